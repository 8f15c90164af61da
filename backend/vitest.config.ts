import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      // The Lambda runtime is Node 22; the SDK's notice about Node 20 on dev machines is noise in test output.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Handlers a test imports before any stack starts log errors only (Powertools' default is INFO). A local
      // stack exports serverless.yml's POWERTOOLS_LOG_LEVEL over this, so test/support/local-stack.ts passes ERROR
      // as its `logLevel` param; a failing test still shows the handlers' errors.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      // Embedded metrics are log lines for CloudWatch; a handler a test imports directly would print one per fan-out.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
