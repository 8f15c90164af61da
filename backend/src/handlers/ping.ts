import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('ping', (chat, caller) => chat.ping(caller));
