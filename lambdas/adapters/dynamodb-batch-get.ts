/**
 * BatchGetItem over any number of keys: chunks of 100 (the API's limit), run concurrently, with unprocessed
 * keys retried under backoff. DynamoDB may return a partial answer even when nothing failed; reading that
 * as "missing" would make a stored finding look new, so leftover keys after the last attempt are an error.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from './errors';
import { DEFAULT_BACKOFF, waitBeforeRetry, type Backoff } from './retry';

const MAX_KEYS_PER_CALL = 100;

export interface BatchGetOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Name of the partition key attribute (the tables here have no sort key). */
  readonly keyName: string;
  readonly keys: readonly string[];
  /** Strongly consistent reads: needed before a conditional write that relies on what was read. */
  readonly consistent?: boolean;
  readonly projection?: readonly string[];
  readonly backoff?: Backoff;
}

/** Items found, by key value; keys without an item are absent. */
export async function batchGetAll(options: BatchGetOptions): Promise<Map<string, Record<string, unknown>>> {
  const unique = [...new Set(options.keys)];
  const found = new Map<string, Record<string, unknown>>();
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += MAX_KEYS_PER_CALL) chunks.push(unique.slice(i, i + MAX_KEYS_PER_CALL));
  await Promise.all(chunks.map((chunk) => getChunk(options, chunk, found)));
  return found;
}

async function getChunk(options: BatchGetOptions, keys: string[], found: Map<string, Record<string, unknown>>): Promise<void> {
  const { client, tableName, keyName } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const names = options.projection ? Object.fromEntries(options.projection.map((n, i) => [`#p${i}`, n])) : undefined;
  let pending: Record<string, unknown>[] = keys.map((k) => ({ [keyName]: k }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= backoff.maxAttempts) {
      throw new StoreError(`BatchGetItem on ${tableName} left ${pending.length} key(s) unprocessed after ${attempt} attempts`);
    }
    if (attempt > 0) await waitBeforeRetry(attempt - 1, backoff);
    let response;
    try {
      response = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: options.consistent ?? false,
              ...(names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
            },
          },
        }),
      );
    } catch (error) {
      throw new StoreError(`BatchGetItem on ${tableName} failed`, { cause: error });
    }
    for (const item of response.Responses?.[tableName] ?? []) {
      const key = item[keyName];
      if (typeof key === 'string') found.set(key, item);
    }
    pending = (response.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
  }
}
