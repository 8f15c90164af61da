import { replyHandler } from './lib/reply-handler.js';

export const handler = replyHandler('ping', () => ({ type: 'pong' }));
