import { describe, expect, it } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import { SignedPostConnectionGateway } from '../../src/adapters/apigw/signed-post.js';
import {
  documentClient,
  managementApiClient,
  managementEndpoint,
  signedPoster,
  type ClientConfig,
} from '../../src/adapters/aws-clients.js';
import { awsAdapters } from '../../src/adapters/index.js';
import { loadConfig } from '../../src/config.js';

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

  it('builds one signed poster per API endpoint', () => {
    const a = signedPoster(config, { domainName: 'a.example', stage: 'dev' });
    expect(signedPoster(config, { domainName: 'a.example', stage: 'dev' })).toBe(a);
    expect(signedPoster(config, { domainName: 'b.example', stage: 'dev' })).not.toBe(a);
  });

  it('posts with the signed-post gateway unless POST_CLIENT=sdk', () => {
    const tables = { CONNECTIONS_TABLE: 'c', MEMBERSHIPS_TABLE: 'm', MESSAGES_TABLE: 'x' };
    const target = { domainName: 'a.example', stage: 'dev' };

    expect(awsAdapters(loadConfig(tables)).gatewayFor(target)).toBeInstanceOf(SignedPostConnectionGateway);
    expect(awsAdapters(loadConfig({ ...tables, POST_CLIENT: 'sdk' })).gatewayFor(target)).toBeInstanceOf(
      ApiGatewayConnectionGateway,
    );
  });
});
