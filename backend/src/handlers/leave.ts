import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('leave', (chat, caller, frame) => chat.leave(caller, frame.room));
