import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:store -w backend`: the tests that talk to DynamoDB, against the endpoint in
 * TEST_DYNAMODB_ENDPOINT (see backend/test/support/test-store.ts). Without it these files would only run on
 * dynalite again, as `npm test` already does, so the pass refuses to start.
 */
if (!process.env.TEST_DYNAMODB_ENDPOINT) {
  throw new Error('TEST_DYNAMODB_ENDPOINT is not set: set it to the DynamoDB endpoint to test against (see README.md)');
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/adapters/dynamodb.contract.test.ts',
      'test/adapters/dynamodb-items.test.ts',
      'test/adapters/dynamodb-lost-responses.test.ts',
      'test/adapters/dynamodb-tables.test.ts',
      'test/adapters/fanout-410.integration.test.ts',
      'test/integration/*.test.ts',
    ],
    // AWS takes seconds to make a table ACTIVE, and each file creates and deletes its own.
    hookTimeout: 600_000,
  },
});
