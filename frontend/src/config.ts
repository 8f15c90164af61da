/**
 * Where the WebSocket API lives. A deployed stage bakes its wss:// URL in at build time through
 * VITE_WS_URL; locally the gateway listens on ws://localhost:3001 (see the contract's local ports).
 */
export const WS_URL: string = import.meta.env.VITE_WS_URL || 'ws://localhost:3001';
