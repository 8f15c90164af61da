import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { DynamoConnectionStore } from '../../src/adapters/dynamodb/connection-store.js';
import { DynamoMessageStore } from '../../src/adapters/dynamodb/message-store.js';
import { ConnectionGoneError, StoreUnavailableError } from '../../src/domain/errors.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';

// Only for failures dynalite cannot produce (throttling, partial batches); everything else runs on dynalite.
const client = createDocumentClient(
  { region: 'us-east-1', dynamoDbEndpoint: 'http://127.0.0.1:9', managementEndpoint: undefined },
  { credentials: LOCAL_CREDENTIALS },
);
const mock = mockClient(client);
afterEach(() => mock.reset());

const tables = { connections: 'connections', memberships: 'memberships' };
const connections = () =>
  new DynamoConnectionStore(client, {
    tables,
    connectionTtlSeconds: 60,
    batchRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  });
const messages = () => new DynamoMessageStore(client, { table: 'messages', retentionDays: 1 });

const meta = { $metadata: { httpStatusCode: 400 }, message: 'injected' };

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe('DynamoDB adapter error mapping', () => {
  it('turns throttling after the SDK retries into StoreUnavailableError, keeping the SDK error as cause', async () => {
    mock.on(GetCommand).rejects(new ProvisionedThroughputExceededException(meta));

    const error = await failure(connections().getConnection('c-1'));

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain('ProvisionedThroughputExceededException');
    expect(error.cause).toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  it('reports a throttled join as a store outage, not as a gone connection', async () => {
    mock.on(GetCommand).resolves({ Item: { connectionId: 'c-1' } });
    mock.on(UpdateCommand).rejects(new ThrottlingException(meta));

    const error = await failure(
      connections().addMembership({ room: 'r', connectionId: 'c-1', user: { userId: 'u', name: 'U' }, joinedAt: 1 }),
    );

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).not.toBeInstanceOf(ConnectionGoneError);
  });

  it('reports a failed join condition as ConnectionGoneError with the cause, and counts the member out again', async () => {
    // The member is counted into a place, then the connection item is gone when the join writes its entry.
    mock.on(GetCommand, { TableName: 'memberships' }).resolves({});
    mock.on(GetCommand, { TableName: 'connections' }).resolves({});
    mock.on(UpdateCommand, { TableName: 'memberships' }).resolves({ Attributes: { members: 1, shards: 1 } });
    mock.on(UpdateCommand, { TableName: 'connections' }).rejects(new ConditionalCheckFailedException(meta));

    const error = await failure(
      connections().addMembership({ room: 'r', connectionId: 'c-1', user: { userId: 'u', name: 'U' }, joinedAt: 1 }),
    );

    expect(error).toBeInstanceOf(ConnectionGoneError);
    expect(error.cause).toBeInstanceOf(ConditionalCheckFailedException);
    expect(mock.commandCalls(PutCommand)).toHaveLength(0);
    // Counted into shard 0 and out of it again.
    const counts = mock.commandCalls(UpdateCommand, { TableName: 'memberships' }).map((call) => {
      const { ExpressionAttributeValues: values, ExpressionAttributeNames: names } = call.args[0].input;
      return [names?.['#n'], values?.[':one'] ?? values?.[':d']];
    });
    expect(counts).toEqual([
      ['n0', 1],
      ['n0', -1],
    ]);
  });

  it('retries only the UnprocessedItems of a batch until they are done', async () => {
    const rooms = ['a', 'b', 'c'];
    mock
      .on(DeleteCommand)
      .resolves({ Attributes: { connectionId: 'c-1', rooms: new Set(rooms.map((r) => `${r}#0#tok`)) } });
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { memberships: [{ DeleteRequest: { Key: { pk: 'b#0', connectionId: 'c-1' } } }] },
      })
      .resolves({ UnprocessedItems: {} });

    expect(await connections().removeConnection('c-1')).toEqual(rooms);

    const batches = mock.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.memberships);
    expect(batches).toHaveLength(2);
    expect(batches[0]).toHaveLength(3);
    expect(batches[1]).toEqual([{ DeleteRequest: { Key: { pk: 'b#0', connectionId: 'c-1' } } }]);
  });

  it('deletes the connection first, conditionally, then its memberships in batches of 25', async () => {
    const rooms = Array.from({ length: 60 }, (_, i) => `room-${String(i).padStart(2, '0')}#0#tok`);
    mock.on(DeleteCommand).resolves({ Attributes: { connectionId: 'c-1', rooms: new Set(rooms) } });
    mock.on(BatchWriteCommand).resolves({});

    await connections().removeConnection('c-1');

    const sizes = mock
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.memberships?.length);
    expect(sizes).toEqual([25, 25, 10]);
    const order = mock.calls().map((call) => (call.args[0] as object).constructor.name);
    // Whoever deletes the connection item owns the clean-up; a racing caller's conditional delete fails.
    expect(order[0]).toBe('DeleteCommand');
    expect(mock.commandCalls(DeleteCommand)[0]?.args[0].input.ConditionExpression).toBe(
      'attribute_exists(connectionId)',
    );
  });

  it('leaves the clean-up to the caller that deleted the connection: a second one gets no rooms', async () => {
    mock.on(DeleteCommand).rejects(new ConditionalCheckFailedException(meta));
    mock.on(BatchWriteCommand).resolves({});

    expect(await connections().removeConnection('c-1', { room: 'r', shard: 3 })).toEqual([]);

    // Only the membership it saw (an orphan of a racing join) is deleted, and nothing is counted out.
    const batches = mock.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.memberships);
    expect(batches).toEqual([[{ DeleteRequest: { Key: { pk: 'r#3', connectionId: 'c-1' } } }]]);
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('gives up on items still unprocessed after the bounded retries, with a typed error', async () => {
    mock.on(DeleteCommand).resolves({ Attributes: { connectionId: 'c-1', rooms: new Set(['a#0']) } });
    mock.on(BatchWriteCommand).resolves({
      UnprocessedItems: { memberships: [{ DeleteRequest: { Key: { pk: 'a#0', connectionId: 'c-1' } } }] },
    });

    const error = await failure(connections().removeConnection('c-1'));

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('turns service errors in append, page and members into StoreUnavailableError', async () => {
    mock.on(PutCommand).rejects(new InternalServerError(meta));
    mock.on(QueryCommand).rejects(new InternalServerError(meta));
    const message = { room: 'r', id: '1', ts: 1, sender: { userId: 'u', name: 'U' }, text: 't', clientMsgId: 'c' };

    expect(await failure(messages().append(message))).toBeInstanceOf(StoreUnavailableError);
    expect(await failure(messages().page('r', { limit: 5 }))).toBeInstanceOf(StoreUnavailableError);
    const iterate = async () => {
      for await (const page of connections().members('r', { shard: 0 })) void page;
    };
    expect(await failure(iterate())).toBeInstanceOf(StoreUnavailableError);
  });
});
