import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('send', (chat, caller, frame, { receivedAt }) => chat.send(caller, frame, receivedAt));
