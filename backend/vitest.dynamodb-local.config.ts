import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The second store pass, `npm run test:dynamodb-local`: the tests that talk to DynamoDB, against DynamoDB Local
 * (scripts/dynamodb-local.mjs starts it and sets TEST_DYNAMODB_ENDPOINT). Without that variable these files
 * would only run on dynalite again, so the pass refuses to start.
 */
if (!process.env.TEST_DYNAMODB_ENDPOINT) {
  throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run `npm run test:dynamodb-local`, which starts DynamoDB Local');
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
  },
});
