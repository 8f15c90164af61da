import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Dev server on 127.0.0.1:5173 as the contract's local ports say; `npm start` at the root runs it.
 * A deployed stage bakes its WebSocket URL in at build time through VITE_WS_URL.
 */
export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
