import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * Three projects so one `vitest run` covers them all: unit and component tests in jsdom, the socket client against
 * the local stack in plain Node, and the browser end-to-end tests in plain Node (they drive a real Chromium and
 * start the local stack themselves).
 */
export default defineConfig({
  plugins: [react()],
  test: {
    env: {
      // The Lambda runtime is Node 22; the SDK's notice about Node 20 on dev machines is noise in test output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'jsdom',
          include: ['test/**/*.test.{ts,tsx}'],
          setupFiles: ['test/setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The socket client in Node against the real local stack (gateway, handlers, dynalite, issuer), over `ws`.
          name: 'integration',
          environment: 'node',
          include: ['integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 90_000,
          pool: 'forks',
          // Each file drives a browser, a dev server and a stack: one at a time on a small machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
