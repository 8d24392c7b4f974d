/**
 * The findings store on DynamoDB (findings table, partition key `id`).
 *
 * Each item holds the GuardDuty-shaped finding as a map, plus the attributes the table's indexes and the
 * publisher need:
 * - `gsiPk` = `finding` (constant), `severity` (N), `updatedAt` (S), `type` (S): the `bySeverity`,
 *   `byUpdatedAt` and `byType` indexes;
 * - `revision` (N): optimistic concurrency. The engine reads a finding, adds this batch's occurrences and
 *   writes it back; the write is conditioned on the revision it read, so two Lambdas updating the same
 *   finding cannot lose each other's counts. The loser gets {@link ConcurrentUpdateError} and re-runs its
 *   input, which is safe (see below);
 * - `tokens`: digests of the last input tokens applied, with `NOT contains(tokens, :t)` on every write, so
 *   a batch redelivered after a crash does not count its occurrences twice;
 * - `publishState`: present only while the finding has changes EventBridge has not seen: `NEW` (never
 *   published) or `PENDING` (an update), with `pendingSince` (wall clock, ms). Findings archived by a
 *   suppression rule never get one. Publishing removes it on the condition that the revision did not move
 *   meanwhile ({@link DynamoFindingRepository.markPublished}), so an update that lands during publication
 *   stays pending.
 *
 * @example
 * const findings = new DynamoFindingRepository({ client, tableName: 'vigil-findings' });
 * const pending = await findings.listPending(); // what publish-updates sends
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../engine/finding';
import type { ArchiveReason, FindingRepository, StoredFinding } from '../engine/ports';
import { appendDigest, DEFAULT_TOKEN_HISTORY, readDigests, tokenDigest } from './applied-tokens';
import { forEachConcurrently } from './concurrency';
import { batchGetAll } from './dynamodb-batch-get';
import { ConcurrentUpdateError, isConditionFailure, StoreError } from './errors';
import type { Backoff } from './retry';

/** Why a finding waits for EventBridge: never published yet, or updated since it was. */
export type PublishState = 'NEW' | 'PENDING';

/** A stored finding with its bookkeeping. */
export interface FindingRecord {
  readonly stored: StoredFinding;
  readonly revision: number;
  readonly publishState?: PublishState;
  /** Wall-clock ms since which the finding has waited to be published. */
  readonly pendingSince?: number;
  readonly publishedRevision?: number;
}

/** The part of a pending finding the publisher needs to decide whether it is due. */
export interface PendingFinding {
  readonly id: string;
  readonly publishState: PublishState;
  readonly pendingSince: number;
  readonly revision: number;
}

export interface DynamoFindingRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Wall clock (ms) for `pendingSince` and `publishedAt`. @default Date.now */
  readonly clock?: () => number;
  /** @default 32 */
  readonly tokenHistory?: number;
  /** @default 16 */
  readonly writeConcurrency?: number;
  /**
   * A sparse GSI with partition key `publishState`, if the table has one: pending findings are then found
   * with a Query instead of a filtered Scan.
   */
  readonly pendingIndexName?: string;
  /** Items evaluated per Scan/Query page when listing pending findings. @default DynamoDB's 1 MB pages */
  readonly pageSize?: number;
  readonly backoff?: Backoff;
}

/** Value of `gsiPk` on every finding item: the one partition of the `bySeverity` and `byUpdatedAt` indexes. */
export const FINDING_GSI_PK = 'finding';

/** What a write needs to know about the item it replaces. */
interface ItemMeta {
  readonly revision: number;
  readonly digests: string[];
  readonly publishState?: PublishState;
  readonly pendingSince?: number;
  readonly publishedRevision?: number;
  readonly publishedAt?: string;
}

export class DynamoFindingRepository implements FindingRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: () => number;
  private readonly tokenHistory: number;
  private readonly writeConcurrency: number;
  private readonly pendingIndexName: string | undefined;
  private readonly pageSize: number | undefined;
  private readonly backoff: Backoff | undefined;
  /** What `getMany` saw, for the conditional write that follows it (`null`: the item did not exist). */
  private readonly seen = new Map<string, ItemMeta | null>();

  constructor(options: DynamoFindingRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? Date.now;
    this.tokenHistory = options.tokenHistory ?? DEFAULT_TOKEN_HISTORY;
    this.writeConcurrency = options.writeConcurrency ?? 16;
    this.pendingIndexName = options.pendingIndexName;
    this.pageSize = options.pageSize;
    this.backoff = options.backoff;
  }

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, StoredFinding>> {
    const records = await this.readRecords(ids);
    const out = new Map<string, StoredFinding>();
    for (const id of ids) {
      const record = records.get(id);
      this.seen.set(id, record ? metaOf(record) : null);
      if (record) out.set(id, record.stored);
    }
    return out;
  }

  /** Findings with their revision and publishing state (strongly consistent). */
  async getRecords(ids: readonly string[]): Promise<Map<string, FindingRecord>> {
    return this.readRecords(ids);
  }

  private async readRecords(ids: readonly string[]): Promise<Map<string, DecodedRecord>> {
    const items = await batchGetAll({ client: this.client, tableName: this.tableName, keyName: 'id', keys: ids, consistent: true, ...(this.backoff ? { backoff: this.backoff } : {}) });
    const out = new Map<string, DecodedRecord>();
    for (const [id, item] of items) out.set(id, decodeRecord(item));
    return out;
  }

  /**
   * Writes the findings of one batch. A finding whose item already carries this token was written by an
   * earlier, interrupted attempt of the same batch and is left as it is. A finding changed by someone else
   * since `getMany` is not written; after the others are, {@link ConcurrentUpdateError} names them all.
   */
  async putMany(findings: readonly StoredFinding[], token: string): Promise<void> {
    const digest = tokenDigest(token);
    const unseen = findings.map((f) => f.finding.id).filter((id) => !this.seen.has(id));
    if (unseen.length > 0) await this.getMany(unseen);
    const conflicts: string[] = [];
    await forEachConcurrently(findings, this.writeConcurrency, async (stored) => {
      const id = stored.finding.id;
      const meta = this.seen.get(id) ?? null;
      this.seen.delete(id);
      if (meta?.digests.includes(digest)) return;
      try {
        await this.write(stored, meta, digest);
      } catch (error) {
        if (!isConditionFailure(error)) throw new StoreError(`writing finding ${id} to ${this.tableName} failed`, { cause: error });
        if (!(await this.carriesToken(id, digest))) conflicts.push(id);
      }
    });
    if (conflicts.length > 0) throw new ConcurrentUpdateError(this.tableName, conflicts);
  }

  /**
   * Findings waiting to be published. Without a pending index this is a Scan filtered on the sparse
   * `publishState` attribute: the findings table holds findings, not events (thousands of items, not
   * millions), so a scan every few minutes costs little; an index makes it a Query.
   */
  async listPending(): Promise<PendingFinding[]> {
    const out: PendingFinding[] = [];
    const page = this.pageSize ? { Limit: this.pageSize } : {};
    const projection = { ...page, ProjectionExpression: '#id, #ps, #since, #rev', ExpressionAttributeNames: { '#id': 'id', '#ps': 'publishState', '#since': 'pendingSince', '#rev': 'revision' } };
    const collect = (items: Record<string, unknown>[] | undefined): void => {
      for (const item of items ?? []) {
        const state = item.publishState;
        if ((state === 'NEW' || state === 'PENDING') && typeof item.id === 'string') {
          out.push({ id: item.id, publishState: state, pendingSince: num(item.pendingSince) ?? 0, revision: num(item.revision) ?? 0 });
        }
      }
    };
    try {
      if (this.pendingIndexName) {
        for (const state of ['NEW', 'PENDING'] as const) {
          let start: Record<string, unknown> | undefined;
          do {
            const result = await this.client.send(
              new QueryCommand({
                TableName: this.tableName,
                IndexName: this.pendingIndexName,
                KeyConditionExpression: '#ps = :s',
                ExpressionAttributeValues: { ':s': state },
                ...projection,
                ...(start ? { ExclusiveStartKey: start } : {}),
              }),
            );
            collect(result.Items);
            start = result.LastEvaluatedKey;
          } while (start);
        }
      } else {
        let start: Record<string, unknown> | undefined;
        do {
          const result = await this.client.send(
            new ScanCommand({ TableName: this.tableName, FilterExpression: 'attribute_exists(#ps)', ...projection, ...(start ? { ExclusiveStartKey: start } : {}) }),
          );
          collect(result.Items);
          start = result.LastEvaluatedKey;
        } while (start);
      }
    } catch (error) {
      throw new StoreError(`listing pending findings in ${this.tableName} failed`, { cause: error });
    }
    return out;
  }

  /**
   * Records that `revision` of a finding reached EventBridge. Returns false (and changes nothing) when the
   * finding moved on to a later revision meanwhile: that revision stays pending.
   */
  async markPublished(id: string, revision: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'SET #pr = :r, #pa = :now REMOVE #ps, #since',
          ConditionExpression: '#rev = :r',
          ExpressionAttributeNames: { '#pr': 'publishedRevision', '#pa': 'publishedAt', '#ps': 'publishState', '#since': 'pendingSince', '#rev': 'revision' },
          ExpressionAttributeValues: { ':r': revision, ':now': new Date(this.clock()).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreError(`marking finding ${id} published failed`, { cause: error });
    }
  }

  private async write(stored: StoredFinding, meta: ItemMeta | null, digest: string): Promise<void> {
    const publishState = nextPublishState(stored, meta);
    const item: Record<string, unknown> = {
      ...findingAttributes(stored.finding),
      finding: plainJson(stored.finding),
      actionTime: stored.actionTime,
      revision: (meta?.revision ?? 0) + 1,
      tokens: appendDigest(meta?.digests ?? [], digest, this.tokenHistory),
    };
    if (stored.archiveReason) item.archiveReason = plainJson(stored.archiveReason);
    if (publishState) {
      item.publishState = publishState;
      item.pendingSince = meta?.publishState ? (meta.pendingSince ?? this.clock()) : this.clock();
    }
    if (meta?.publishedRevision !== undefined) item.publishedRevision = meta.publishedRevision;
    if (meta?.publishedAt !== undefined) item.publishedAt = meta.publishedAt;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ...(meta
          ? {
              ConditionExpression: '#rev = :rev AND NOT contains(#tokens, :t)',
              ExpressionAttributeNames: { '#rev': 'revision', '#tokens': 'tokens' },
              ExpressionAttributeValues: { ':rev': meta.revision, ':t': digest },
            }
          : { ConditionExpression: 'attribute_not_exists(id)' }),
      }),
    );
  }

  /** After a refused write: was it refused because this very batch already wrote the finding? */
  private async carriesToken(id: string, digest: string): Promise<boolean> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true, ProjectionExpression: '#t', ExpressionAttributeNames: { '#t': 'tokens' } }),
      );
      return readDigests(Item?.tokens).includes(digest);
    } catch (error) {
      throw new StoreError(`re-reading finding ${id} after a refused write failed`, { cause: error });
    }
  }
}

/** The top-level attributes the table's key schema and indexes use. */
export function findingAttributes(finding: Finding): Record<string, unknown> {
  return {
    id: finding.id,
    gsiPk: FINDING_GSI_PK,
    severity: finding.severity,
    updatedAt: finding.updatedAt,
    type: finding.type,
    accountId: finding.accountId,
    archived: finding.service.archived,
  };
}

/**
 * A finding archived by a suppression rule is never published. Otherwise a finding that EventBridge has
 * never seen stays `NEW` (published as soon as possible) until it is; a published one becomes `PENDING`.
 */
function nextPublishState(stored: StoredFinding, meta: ItemMeta | null): PublishState | undefined {
  if (stored.archiveReason?.by === 'suppression-rule') return undefined;
  if (!meta || meta.publishState === 'NEW') return 'NEW';
  return 'PENDING';
}

/** A record as read, with the bookkeeping only writes need. */
interface DecodedRecord extends FindingRecord {
  readonly digests: string[];
  readonly publishedAt?: string;
}

function metaOf(record: DecodedRecord): ItemMeta {
  return {
    revision: record.revision,
    digests: record.digests,
    ...(record.publishState ? { publishState: record.publishState } : {}),
    ...(record.pendingSince !== undefined ? { pendingSince: record.pendingSince } : {}),
    ...(record.publishedRevision !== undefined ? { publishedRevision: record.publishedRevision } : {}),
    ...(record.publishedAt !== undefined ? { publishedAt: record.publishedAt } : {}),
  };
}

function decodeRecord(item: Record<string, unknown>): DecodedRecord {
  const publishState = item.publishState === 'NEW' || item.publishState === 'PENDING' ? item.publishState : undefined;
  const pendingSince = num(item.pendingSince);
  const publishedRevision = num(item.publishedRevision);
  return {
    stored: {
      finding: item.finding as Finding,
      actionTime: num(item.actionTime) ?? Date.parse((item.finding as Finding).updatedAt),
      ...(item.archiveReason ? { archiveReason: item.archiveReason as ArchiveReason } : {}),
    },
    revision: num(item.revision) ?? 0,
    digests: readDigests(item.tokens),
    ...(publishState ? { publishState } : {}),
    ...(pendingSince !== undefined ? { pendingSince } : {}),
    ...(publishedRevision !== undefined ? { publishedRevision } : {}),
    ...(typeof item.publishedAt === 'string' ? { publishedAt: item.publishedAt } : {}),
  };
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Drops `undefined` members (DynamoDB refuses them) and anything else JSON would not keep. */
function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
