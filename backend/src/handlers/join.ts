import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('join', (chat, caller, frame) => chat.join(caller, frame.room));
