import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalCall, storeCall } from './errors.js';

/** An item of a table keyed by (room, sk), as the messages table is. */
export interface RoomItem {
  room: string;
  sk: string;
  /** Random per write attempt; see putIfAbsent. */
  writeToken?: string;
}

/**
 * PutItem with attribute_not_exists(sk); false when the item already exists. An item with a writeToken that
 * is found already there with the same token was written by this very call: the SDK repeated the request after
 * its first response was lost (a timeout, a reset socket), and only the repeat failed the condition.
 */
export async function putIfAbsent<T extends RoomItem>(
  client: DynamoDBDocumentClient,
  table: string,
  item: T,
): Promise<boolean> {
  const put = await conditionalCall('PutItem', () =>
    client.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(sk)' })),
  );
  if (put.ok) return true;
  if (item.writeToken === undefined) return false;
  const stored = await getItem<{ writeToken?: string }>(client, table, item.room, item.sk);
  return stored?.writeToken === item.writeToken;
}

/** A strongly consistent GetItem by (room, sk). */
export async function getItem<T>(
  client: DynamoDBDocumentClient,
  table: string,
  room: string,
  sk: string,
): Promise<T | undefined> {
  const out = await storeCall('GetItem', () =>
    client.send(new GetCommand({ TableName: table, Key: { room, sk }, ConsistentRead: true })),
  );
  return out.Item as T | undefined;
}
