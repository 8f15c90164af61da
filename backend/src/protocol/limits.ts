/**
 * Limits shared by server, client and load tests. They live in the protocol so that the web client can
 * validate before sending and the server can reject with the same numbers.
 */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Guest display names: printable, no control or format characters, short enough for a member list. The zero-width
 * joiner and non-joiner are the exception, between two visible characters: emoji such as 👩‍💻 and scripts such as
 * Persian need them, and there they cannot hide a name or reorder it the way a bidi override can.
 */
export const NAME_PATTERN = /^(?:[^\p{C}]|(?<=[^\p{C}])[\u200C\u200D](?=[^\p{C}])){1,32}$/u;
export const MAX_TEXT_LENGTH = 4000;
export const MAX_CLIENT_MSG_ID_LENGTH = 64;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;
/** API Gateway WebSocket frame limit: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html */
export const MAX_FRAME_BYTES = 128 * 1024;
