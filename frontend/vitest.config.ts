import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * Two projects so one `vitest run` covers both: unit and component tests in jsdom, and the browser
 * end-to-end test in plain Node (it drives a real Chromium and starts the local stack itself).
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
