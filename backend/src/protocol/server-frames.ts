import * as z from 'zod';

export const userSchema = z.object({ userId: z.string(), name: z.string() });
export type User = z.infer<typeof userSchema>;

export const messageSchema = z.object({
  room: z.string(),
  id: z.string(),
  ts: z.number(),
  sender: userSchema,
  text: z.string(),
  clientMsgId: z.string(),
});
export type Message = z.infer<typeof messageSchema>;

export const ERROR_CODES = [
  'bad_request',
  'unknown_action',
  'not_member',
  'too_large',
  'rate_limited',
  'unauthorized',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const joinedFrame = z.object({
  type: z.literal('joined'),
  room: z.string(),
  members: z.array(userSchema),
  history: z.array(messageSchema),
});
export const messageFrame = messageSchema.extend({ type: z.literal('message') });
export const ackFrame = z.object({
  type: z.literal('ack'),
  clientMsgId: z.string(),
  id: z.string(),
  ts: z.number(),
});
export const presenceFrame = z.object({
  type: z.literal('presence'),
  room: z.string(),
  user: userSchema,
  state: z.enum(['joined', 'left']),
  /**
   * When the membership changed (epoch ms, server clock). Announcements run concurrently and may arrive out of
   * order: a client keeps, per room and user, only the newest. Absent from servers before it was added.
   */
  ts: z.number().optional(),
});
export const typingEventFrame = z.object({ type: z.literal('typing'), room: z.string(), user: userSchema });
export const historyPageFrame = z.object({
  type: z.literal('history'),
  room: z.string(),
  messages: z.array(messageSchema),
  hasMore: z.boolean(),
});
export const leftFrame = z.object({ type: z.literal('left'), room: z.string() });
export const pongFrame = z.object({ type: z.literal('pong') });
export const errorFrame = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  action: z.string().optional(),
  clientMsgId: z.string().optional(),
});

export const serverFrameSchema = z.discriminatedUnion('type', [
  joinedFrame,
  messageFrame,
  ackFrame,
  presenceFrame,
  typingEventFrame,
  historyPageFrame,
  leftFrame,
  pongFrame,
  errorFrame,
]);

export type JoinedFrame = z.infer<typeof joinedFrame>;
export type MessageFrame = z.infer<typeof messageFrame>;
export type AckFrame = z.infer<typeof ackFrame>;
export type PresenceFrame = z.infer<typeof presenceFrame>;
export type TypingEventFrame = z.infer<typeof typingEventFrame>;
export type HistoryPageFrame = z.infer<typeof historyPageFrame>;
export type LeftFrame = z.infer<typeof leftFrame>;
export type PongFrame = z.infer<typeof pongFrame>;
export type ErrorFrame = z.infer<typeof errorFrame>;
export type ServerFrame = z.infer<typeof serverFrameSchema>;
