export * from './limits.js';
export * from './client-frames.js';
export * from './server-frames.js';
export * from './parse.js';
export * from './gateway-frames.js';
export * from './fanout-event.js';
export * from './inbound.js';
