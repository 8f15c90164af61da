/** Framework-free entry point; the React binding lives in use-chat.ts so this module never imports React. */
export { ChatClient, type ChatClientOptions, type ChatClientEvents, type SendResult } from './chat-client.js';
export { fullJitterDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { socketUrl, type Credentials, type WebSocketConstructor, type WebSocketLike } from './socket.js';
export { systemTimers, type Timers } from './timers.js';
export { mergeMessages } from './timeline.js';
export { reduceRoom, timelineOf, type RoomEvent, type TimelineItem } from './room-reducer.js';
export { reduceFrame, type FrameContext } from './chat-reducer.js';
export * from './state.js';
