import * as z from 'zod';
import { HISTORY_MAX_LIMIT, MAX_CLIENT_MSG_ID_LENGTH, MAX_TEXT_LENGTH, ROOM_PATTERN } from './limits.js';

/** Length in user-perceived code points, so an emoji counts once, as a person would count it. */
const codePoints = (s: string): number => [...s].length;

export const roomSchema = z.string().regex(ROOM_PATTERN, 'room must match ^[A-Za-z0-9_-]{1,64}$');

/** C0/C1 controls other than tab, newline and carriage return: invisible, and some break terminals and logs. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** A lone UTF-16 surrogate cannot be encoded as UTF-8, so DynamoDB and other clients could not store or show it. */
const LONE_SURROGATE = /\p{Cs}/u;

export const textSchema = z
  .string()
  .refine((t) => t.trim().length > 0, 'text must not be empty')
  .refine((t) => !CONTROL_CHARACTERS.test(t), 'text must not contain control characters')
  .refine((t) => !LONE_SURROGATE.test(t), 'text must be valid Unicode (no lone surrogates)')
  .refine((t) => codePoints(t) <= MAX_TEXT_LENGTH, `text must be at most ${MAX_TEXT_LENGTH} characters`);

export const clientMsgIdSchema = z
  .string()
  .min(1, 'clientMsgId must not be empty')
  .max(MAX_CLIENT_MSG_ID_LENGTH, `clientMsgId must be at most ${MAX_CLIENT_MSG_ID_LENGTH} characters`)
  .regex(/^[\x21-\x7e]+$/, 'clientMsgId must be printable ASCII');

export const joinFrame = z.object({ action: z.literal('join'), room: roomSchema });
export const leaveFrame = z.object({ action: z.literal('leave'), room: roomSchema });
export const sendFrame = z.object({
  action: z.literal('send'),
  room: roomSchema,
  text: textSchema,
  clientMsgId: clientMsgIdSchema,
});
export const historyFrame = z.object({
  action: z.literal('history'),
  room: roomSchema,
  before: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(HISTORY_MAX_LIMIT).optional(),
});
export const typingFrame = z.object({ action: z.literal('typing'), room: roomSchema });
export const pingFrame = z.object({ action: z.literal('ping') });

export const clientFrameSchema = z.discriminatedUnion('action', [
  joinFrame,
  leaveFrame,
  sendFrame,
  historyFrame,
  typingFrame,
  pingFrame,
]);

export type JoinFrame = z.infer<typeof joinFrame>;
export type LeaveFrame = z.infer<typeof leaveFrame>;
export type SendFrame = z.infer<typeof sendFrame>;
export type HistoryFrame = z.infer<typeof historyFrame>;
export type TypingFrame = z.infer<typeof typingFrame>;
export type PingFrame = z.infer<typeof pingFrame>;
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type ClientAction = ClientFrame['action'];

/**
 * The routes declared in serverless.yml besides $connect/$disconnect/$default, read from the union itself, so a
 * frame added to clientFrameSchema is an action without a second list to keep in step.
 */
export const CLIENT_ACTIONS: readonly ClientAction[] = clientFrameSchema.options.map(
  (frame) => frame.shape.action.value,
);
