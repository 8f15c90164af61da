import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('typing', (chat, caller, frame) => chat.typing(caller, frame.room));
