import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayConnectionGateway } from '../../src/adapters/apigw/connection-gateway.js';
import { createManagementApiClient } from '../../src/adapters/aws-clients.js';
import { DynamoConnectionStore } from '../../src/adapters/dynamodb/connection-store.js';
import { fanOut } from '../../src/domain/fanout.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { unique, uniqueRoom } from '../contracts/ids.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { ManagementServer } from '../support/management-server.js';

let dynamo: TestDynamo;
let server: ManagementServer;
let gateway: ApiGatewayConnectionGateway;
let destroyClient: () => void;

beforeAll(async () => {
  dynamo = await startTestDynamo('fanout');
  server = await new ManagementServer({ stagePath: '/dev' }).start();
  const client = createManagementApiClient(
    { region: 'us-east-1', dynamoDbEndpoint: undefined, managementEndpoint: server.endpoint },
    server.endpoint,
    { credentials: LOCAL_CREDENTIALS, maxAttempts: 1 },
  );
  destroyClient = () => client.destroy();
  gateway = new ApiGatewayConnectionGateway(client);
});

afterAll(async () => {
  destroyClient?.();
  await server?.stop();
  await dynamo?.stop();
});

describe('fan-out over the real SDK, HTTP 410s and DynamoDB (dynalite)', () => {
  it('delivers to live members and removes the gone TARGET with all its memberships', async () => {
    // Prepare: three members; "gone" also sits in a second room and its socket has vanished (410).
    const connections = new DynamoConnectionStore(dynamo.client, {
      tables: { connections: dynamo.tables.connections, memberships: dynamo.tables.memberships },
      connectionTtlSeconds: 3600,
      membersPageSize: 2,
    });
    const [room, other] = [uniqueRoom(), uniqueRoom()];
    const [sender, live, gone] = [unique('sender'), unique('live'), unique('gone')];
    for (const connectionId of [sender, live, gone]) {
      const user = { userId: `u-${connectionId}`, name: connectionId };
      await connections.saveConnection({ connectionId, user, connectedAt: Date.now() });
      await connections.addMembership({ room, connectionId, user, joinedAt: Date.now() });
    }
    await connections.addMembership({ room: other, connectionId: gone, user: { userId: 'u', name: 'g' }, joinedAt: 1 });
    server.open(sender);
    server.open(live);

    // Act
    const result = await fanOut(
      { connections, gateway, concurrency: 4 },
      room,
      { type: 'pong' },
      { exceptConnectionId: sender },
    );

    // Assess
    expect(result.delivered).toBe(1);
    expect(result.failed).toEqual([]);
    expect(result.gone.map((m) => m.connectionId)).toEqual([gone]);
    expect(server.received(live)).toEqual(['{"type":"pong"}']);
    expect(server.received(sender)).toEqual([]);
    expect(await connections.getConnection(gone)).toBeUndefined();
    expect(await connections.isMember(room, gone)).toBe(false);
    expect(await connections.isMember(other, gone)).toBe(false);
    expect(await connections.getConnection(sender)).toBeDefined();
    expect(await connections.isMember(room, live)).toBe(true);
  });
});
