import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('history', (chat, caller, frame) => chat.history(caller, frame));
