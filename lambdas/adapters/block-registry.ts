/**
 * The block registry on DynamoDB.
 *
 * Table layout (created by lib/constructs/remediation.ts; names in {@link BLOCK_REGISTRY_SCHEMA}):
 * - key: `address` (partition, the canonical host CIDR) + `target` (sort), so one address's blocks are one
 *   Query (unblock) and a block is one item whatever happens to it;
 * - sparse index `live-by-target` (`liveTarget` + `createdAt`): only live records carry `liveTarget`, so the
 *   index lists a target's blocks oldest first, the eviction order, and nothing else;
 * - sparse index `live-by-expiry` (`liveBucket` + `expiresAt`): the expiry job's due list;
 * - TTL on `purgeAt`, set when a record ends, so history is kept for a while and then purged.
 *
 * @example
 * const registry = new DynamoBlockRegistry({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName });
 * const due = await registry.listDue(Date.now(), 500);
 */
import { BatchGetCommand, BatchWriteCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isLive, recordKey, type BlockRecord, type BlockStatus } from '../response/block';
import type { BlockRegistry } from '../response/ports';
import { StoreError } from './errors';
import { DEFAULT_BACKOFF, waitBeforeRetry, type Backoff } from './retry';
import { BLOCK_REGISTRY_SCHEMA } from '../shared/constants';

/** Attribute and index names the table must have (shared with the CDK construct that creates it). */
export { BLOCK_REGISTRY_SCHEMA };

/** The one value of `liveBucket`: every live record is in one index partition (at most tens of thousands). */
const LIVE_BUCKET = 'live';
/** How long ended records are kept before DynamoDB's TTL purges them. */
export const ENDED_RECORD_RETENTION_MS = 90 * 24 * 3_600_000;

export interface DynamoBlockRegistryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly backoff?: Backoff;
}

export class DynamoBlockRegistry implements BlockRegistry {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly backoff: Backoff;

  constructor(options: DynamoBlockRegistryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  async getMany(keys: readonly { readonly address: string; readonly target: string }[]): Promise<ReadonlyMap<string, BlockRecord>> {
    const unique = new Map(keys.map((k) => [recordKey(k.address, k.target), { address: k.address, target: k.target }]));
    const out = new Map<string, BlockRecord>();
    const all = [...unique.values()];
    for (let i = 0; i < all.length; i += 100) {
      let pending: Record<string, unknown>[] = all.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.backoff.maxAttempts) throw new StoreError(`BatchGetItem on ${this.tableName} left ${pending.length} key(s) unprocessed`);
        if (attempt > 0) await waitBeforeRetry(attempt - 1, this.backoff);
        const response = await this.call('BatchGetItem', () =>
          this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } })),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const record = fromItem(item);
          if (record) out.set(recordKey(record.address, record.target), record);
        }
        pending = (response.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return out;
  }

  async put(records: readonly BlockRecord[]): Promise<void> {
    // BatchWriteItem refuses two writes to one key in a call; the last write of a key wins, as in order.
    const last = new Map(records.map((r) => [recordKey(r.address, r.target), r]));
    const items = [...last.values()].map(toItem);
    for (let i = 0; i < items.length; i += 25) {
      let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.backoff.maxAttempts) throw new StoreError(`BatchWriteItem on ${this.tableName} left ${pending.length} item(s) unprocessed`);
        if (attempt > 0) await waitBeforeRetry(attempt - 1, this.backoff);
        const response = await this.call('BatchWriteItem', () => this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })));
        pending = (response.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  async listLive(target: string): Promise<BlockRecord[]> {
    const { indexName, partitionKey } = BLOCK_REGISTRY_SCHEMA.liveByTarget;
    return this.query({ IndexName: indexName, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': partitionKey }, ExpressionAttributeValues: { ':pk': target }, ScanIndexForward: true });
  }

  async listDue(now: number, limit: number): Promise<BlockRecord[]> {
    const { indexName, partitionKey, sortKey } = BLOCK_REGISTRY_SCHEMA.liveByExpiry;
    return this.query(
      {
        IndexName: indexName,
        KeyConditionExpression: '#pk = :pk AND #sk <= :now',
        ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
        ExpressionAttributeValues: { ':pk': LIVE_BUCKET, ':now': now },
        ScanIndexForward: true,
      },
      limit,
    );
  }

  async listByAddress(address: string): Promise<BlockRecord[]> {
    return this.query({ KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': BLOCK_REGISTRY_SCHEMA.partitionKey }, ExpressionAttributeValues: { ':pk': address } });
  }

  async list(filter: { readonly statuses?: readonly BlockStatus[]; readonly limit?: number } = {}): Promise<BlockRecord[]> {
    const statuses = filter.statuses ?? [];
    const out: BlockRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Scan', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ...(statuses.length > 0
              ? {
                  FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`,
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s])),
                }
              : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        if (record) out.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    out.sort((a, b) => b.createdAt - a.createdAt || a.address.localeCompare(b.address));
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  private async query(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>, limit = Number.MAX_SAFE_INTEGER): Promise<BlockRecord[]> {
    const out: BlockRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({ ...input, TableName: this.tableName, Limit: Math.min(1000, limit - out.length), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        ),
      );
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        if (record) out.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${operation} on ${this.tableName} failed`, { cause: error });
    }
  }
}

/** The DynamoDB item of a record: the record's fields plus the sparse index keys and the purge time. */
export function toItem(record: BlockRecord): Record<string, unknown> {
  // A JSON round trip drops undefined fields at any depth, which the DocumentClient would refuse.
  const item = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  if (isLive(record.status)) {
    item[BLOCK_REGISTRY_SCHEMA.liveByTarget.partitionKey] = record.target;
    item[BLOCK_REGISTRY_SCHEMA.liveByExpiry.partitionKey] = LIVE_BUCKET;
  } else {
    item[BLOCK_REGISTRY_SCHEMA.ttlAttribute] = Math.floor(((record.endedAt ?? record.updatedAt) + ENDED_RECORD_RETENTION_MS) / 1000);
  }
  return item;
}

/** The record of an item; undefined for an item that is not one (written by hand, or by a future version). */
export function fromItem(item: Record<string, unknown>): BlockRecord | undefined {
  const { address, target, placement, status, mode, findingId, findingType, severity, hits, createdAt, updatedAt, expiresAt, endedAt, endReason } = item;
  if (typeof address !== 'string' || typeof target !== 'string' || typeof placement !== 'object' || placement === null) return undefined;
  if (typeof status !== 'string' || (mode !== 'enforce' && mode !== 'dry-run')) return undefined;
  if (typeof createdAt !== 'number' || typeof updatedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
  return {
    address,
    target,
    placement: placement as BlockRecord['placement'],
    status: status as BlockStatus,
    mode,
    findingId: typeof findingId === 'string' ? findingId : '',
    findingType: typeof findingType === 'string' ? findingType : '',
    severity: typeof severity === 'number' ? severity : 0,
    hits: typeof hits === 'number' ? hits : 1,
    createdAt,
    updatedAt,
    expiresAt,
    ...(typeof endedAt === 'number' ? { endedAt } : {}),
    ...(typeof endReason === 'string' ? { endReason } : {}),
  };
}
