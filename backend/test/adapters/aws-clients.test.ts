import { describe, expect, it } from 'vitest';
import {
  documentClient,
  managementApiClient,
  managementEndpoint,
  type ClientConfig,
} from '../../src/adapters/aws-clients.js';

const config: ClientConfig = { region: 'eu-west-1', dynamoDbEndpoint: undefined, managementEndpoint: undefined };

describe('aws-clients', () => {
  it('derives the management endpoint from the event unless an override is configured', () => {
    const target = { domainName: 'abc123.execute-api.eu-west-1.amazonaws.com', stage: 'prod' };
    expect(managementEndpoint(config, target)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod');
    expect(managementEndpoint({ managementEndpoint: 'http://localhost:3001' }, target)).toBe('http://localhost:3001');
  });

  it('builds one document client per container and endpoint', () => {
    const first = documentClient(config);
    expect(documentClient({ ...config })).toBe(first);
    expect(documentClient({ ...config, dynamoDbEndpoint: 'http://127.0.0.1:1' })).not.toBe(first);
  });

  it('builds one management client per API endpoint', async () => {
    const a = managementApiClient(config, { domainName: 'a.example', stage: 'dev' });
    expect(managementApiClient(config, { domainName: 'a.example', stage: 'dev' })).toBe(a);
    const b = managementApiClient(config, { domainName: 'b.example', stage: 'dev' });
    expect(b).not.toBe(a);
    const endpoint = await b.config.endpoint?.();
    expect(endpoint).toMatchObject({ hostname: 'b.example', path: '/dev', protocol: 'https:' });
  });
});
