import { MAX_FRAME_BYTES, type Message } from '../protocol/index.js';

/**
 * API Gateway refuses to post a frame over 128 KB, and a page of 50 long messages (4,000 characters, up to 4
 * bytes each) is far larger. Pages are therefore cut by bytes as well as by count; a cut page says hasMore so
 * the client fetches the rest with `before`. 1 KB stays free for the frame's own fields.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const FRAME_BUDGET_BYTES = MAX_FRAME_BYTES - 1024;

const encoder = new TextEncoder();
/** UTF-8 size of a value's JSON, as API Gateway counts a frame. */
export const bytesOf = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;

/** Keeps the newest messages (input is oldest first) whose JSON fits in `budget` bytes. */
export function newestThatFit(messages: Message[], budget: number): { messages: Message[]; cut: boolean } {
  let used = 2; // []
  let start = messages.length;
  while (start > 0) {
    const size = bytesOf(messages[start - 1]) + 1; // the comma
    if (used + size > budget) break;
    used += size;
    start -= 1;
  }
  return { messages: messages.slice(start), cut: start > 0 };
}
