/**
 * The engine's State port on DynamoDB: one item per state key, one write per key per batch.
 *
 * Item layout (state table, partition key `pk`):
 * - `pk` = `state#<detector id>|<key>`; `v` = version; `tokens` = digests of the last applied input tokens;
 * - `expiresAt` = event-time expiry (ms); `ttl` = DynamoDB TTL in epoch seconds;
 * - one top-level attribute per aggregate: `c:<name>` counter (N), `s:<name>` distinct values (SS),
 *   `lo:<name>` minimum (N), `hi:<name>` maximum (N). Top-level, because `ADD` works on top-level
 *   attributes only.
 *
 * How a batch is applied (the "read-modify-write with a version condition" design):
 * 1. one strongly consistent BatchGetItem reads every key the batch touches;
 * 2. the merged value is computed locally with the engine's own {@link mergeDelta}, so `SET_LIMIT`, min,
 *    max and the later expiry behave exactly as in the in-memory and embedded stores;
 * 3. one UpdateItem per key `ADD`s the counter increments and the set members that fit under `SET_LIMIT`,
 *    `SET`s changed minima/maxima, expiry, TTL, version + 1 and the token list, on the condition
 *    `v = :read AND NOT contains(tokens, :t)`. A new key (or one expired in event time) is written whole
 *    with PutItem on `attribute_not_exists(pk)` (or the read version);
 * 4. a key whose condition fails was changed by a concurrent batch: it is read again and re-applied, a few
 *    times under backoff, then {@link ConcurrentUpdateError}. Keys already written stay written: their
 *    token makes the retried batch skip them.
 *
 * Conditional ADDs alone cannot keep a minimum (DynamoDB has no `min()`), cannot cap a set exactly, and
 * would need one round trip per failed guess; the read costs one batched call per 100 keys and makes the
 * result exact. The version condition keeps concurrent Lambdas from losing each other's increments.
 *
 * Expiry: `ttl` = max(expiresAt, wall clock + margin), so state built while replaying old logs is not
 * deleted by DynamoDB before the replay is over. In event time, {@link DynamoStateStore.expire} moves a
 * watermark and items whose `expiresAt` is behind it are treated as absent (and overwritten), which is
 * what the other stores do by deleting them.
 *
 * @example
 * const state = new DynamoStateStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'vigil-state' });
 * const totals = await state.merge([{ key: 'ssh|eni-1|1735718400000', expiresAt, counters: { attempts: 20 } }], 's3://b/k#etag#0');
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyStateValue, mergeDelta, type StateDelta, type StatePort, type StateValue } from '../engine/state';
import { appendDigest, DEFAULT_TOKEN_HISTORY, readDigests, tokenDigest } from './applied-tokens';
import { forEachConcurrently } from './concurrency';
import { batchGetAll } from './dynamodb-batch-get';
import { ConcurrentUpdateError, isConditionFailure, StoreError } from './errors';
import { DEFAULT_BACKOFF, waitBeforeRetry, type Backoff } from './retry';

export interface DynamoStateStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Wall clock (ms), only for the TTL floor. @default Date.now */
  readonly clock?: () => number;
  /** Items live at least this long past the wall clock, whatever their event-time expiry. @default 86_400_000 (1 day) */
  readonly ttlMarginMs?: number;
  /** Token digests kept per item. @default 32 */
  readonly tokenHistory?: number;
  /** Per-key writes in flight at once. @default 16 */
  readonly writeConcurrency?: number;
  /** Re-reads of keys a concurrent batch changed, before giving up. @default 5 */
  readonly maxConflictRetries?: number;
  readonly backoff?: Backoff;
}

/** Prefix of state items in the shared state table (the ledger uses `ledger#`). */
export const STATE_KEY_PREFIX = 'state#';

const ATTR_PREFIX = { counters: 'c:', sets: 's:', min: 'lo:', max: 'hi:' } as const;
type AggregateKind = keyof typeof ATTR_PREFIX;

interface StoredState {
  readonly value: StateValue;
  readonly version: number;
  readonly digests: string[];
}

type ApplyOutcome = { readonly kind: 'applied'; readonly value: StateValue } | { readonly kind: 'conflict' };

export class DynamoStateStore implements StatePort {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: () => number;
  private readonly ttlMarginMs: number;
  private readonly tokenHistory: number;
  private readonly writeConcurrency: number;
  private readonly maxConflictRetries: number;
  private readonly backoff: Backoff;
  /** Event time before which entries count as expired (see the module comment). */
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(options: DynamoStateStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? Date.now;
    this.ttlMarginMs = options.ttlMarginMs ?? 86_400_000;
    this.tokenHistory = options.tokenHistory ?? DEFAULT_TOKEN_HISTORY;
    this.writeConcurrency = options.writeConcurrency ?? 16;
    this.maxConflictRetries = options.maxConflictRetries ?? 5;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  async merge(deltas: readonly StateDelta[], token: string): Promise<ReadonlyMap<string, StateValue>> {
    const byKey = foldByKey(deltas);
    const digest = tokenDigest(token);
    const results = new Map<string, StateValue>();
    let keys = [...byKey.keys()];
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > this.maxConflictRetries) throw new ConcurrentUpdateError(this.tableName, keys);
      if (attempt > 0) await waitBeforeRetry(attempt - 1, this.backoff);
      const stored = await this.read(keys);
      const conflicts: string[] = [];
      await forEachConcurrently(keys, this.writeConcurrency, async (key) => {
        const outcome = await this.apply(key, byKey.get(key)!, stored.get(key), digest);
        if (outcome.kind === 'conflict') conflicts.push(key);
        else results.set(key, outcome.value);
      });
      keys = conflicts;
    }
    return results;
  }

  async get(keys: readonly string[]): Promise<ReadonlyMap<string, StateValue>> {
    const stored = await this.read(keys);
    const out = new Map<string, StateValue>();
    for (const [key, state] of stored) if (this.isLive(state)) out.set(key, state.value);
    return out;
  }

  /**
   * Moves the event-time watermark. Nothing is deleted here (DynamoDB TTL does that, for free); entries
   * behind the watermark are ignored from now on, so the count returned is always 0.
   */
  async expire(eventTime: number): Promise<number> {
    if (eventTime > this.watermark) this.watermark = eventTime;
    return 0;
  }

  private isLive(state: StoredState): boolean {
    return state.value.expiresAt >= this.watermark;
  }

  private async read(keys: readonly string[]): Promise<Map<string, StoredState>> {
    const items = await batchGetAll({
      client: this.client,
      tableName: this.tableName,
      keyName: 'pk',
      keys: keys.map((k) => STATE_KEY_PREFIX + k),
      consistent: true,
      backoff: this.backoff,
    });
    const out = new Map<string, StoredState>();
    for (const [pk, item] of items) out.set(pk.slice(STATE_KEY_PREFIX.length), decodeState(item));
    return out;
  }

  private async apply(key: string, delta: StateDelta, current: StoredState | undefined, digest: string): Promise<ApplyOutcome> {
    if (current?.digests.includes(digest)) return { kind: 'applied', value: current.value };
    const live = current !== undefined && this.isLive(current);
    const merged = mergeDelta(live ? structuredClone(current.value) : emptyStateValue(delta.expiresAt), delta);
    const digests = appendDigest(live ? current.digests : (current?.digests ?? []), digest, this.tokenHistory);
    const ttl = Math.ceil(Math.max(merged.expiresAt, this.clock() + this.ttlMarginMs) / 1000);
    try {
      if (live) await this.update(key, current, merged, delta, digests, digest, ttl);
      else await this.put(key, current, merged, digests, ttl);
    } catch (error) {
      if (isConditionFailure(error)) return { kind: 'conflict' };
      throw new StoreError(`writing state key ${key} to ${this.tableName} failed`, { cause: error });
    }
    return { kind: 'applied', value: merged };
  }

  /** Adds this batch's increments to a live item. */
  private async update(
    key: string,
    current: StoredState,
    merged: StateValue,
    delta: StateDelta,
    digests: string[],
    digest: string,
    ttl: number,
  ): Promise<void> {
    const expr = new UpdateBuilder();
    for (const [name, n] of Object.entries(delta.counters ?? {})) expr.add(ATTR_PREFIX.counters + name, n);
    for (const name in merged.sets) {
      const before = new Set(current.value.sets[name] ?? []);
      const added = merged.sets[name]!.filter((v) => !before.has(v));
      if (added.length > 0) expr.add(ATTR_PREFIX.sets + name, new Set(added));
    }
    for (const kind of ['min', 'max'] as const) {
      for (const name in merged[kind]) {
        if (merged[kind][name] !== current.value[kind][name]) expr.set(ATTR_PREFIX[kind] + name, merged[kind][name]!);
      }
    }
    if (merged.expiresAt !== current.value.expiresAt) expr.set('expiresAt', merged.expiresAt);
    expr.set('ttl', ttl);
    expr.set('v', current.version + 1);
    expr.set('tokens', digests);
    const read = expr.value(current.version);
    const t = expr.value(digest);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: STATE_KEY_PREFIX + key },
        UpdateExpression: expr.expression(),
        ConditionExpression: `${expr.name('v')} = ${read} AND NOT contains(${expr.name('tokens')}, ${t})`,
        ExpressionAttributeNames: expr.names,
        ExpressionAttributeValues: expr.values,
      }),
    );
  }

  /** Writes a new item, or replaces one that expired in event time. */
  private async put(key: string, current: StoredState | undefined, merged: StateValue, digests: string[], ttl: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: STATE_KEY_PREFIX + key, ...encodeState(merged), ttl, v: (current?.version ?? 0) + 1, tokens: digests },
        ...(current
          ? { ConditionExpression: '#v = :read', ExpressionAttributeNames: { '#v': 'v' }, ExpressionAttributeValues: { ':read': current.version } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
  }
}

/** Folds deltas that name the same key, so each key is written once. */
function foldByKey(deltas: readonly StateDelta[]): Map<string, StateDelta> {
  const out = new Map<string, StateDelta>();
  for (const delta of deltas) {
    const clean = withoutUnstorableMembers(delta);
    const earlier = out.get(delta.key);
    if (!earlier) {
      out.set(delta.key, clean);
      continue;
    }
    const folded = mergeDelta(mergeDelta(emptyStateValue(earlier.expiresAt), earlier), clean);
    out.set(delta.key, { key: delta.key, ...folded });
  }
  return out;
}

/** DynamoDB string sets cannot hold empty strings; a detector's `''` would fail the whole write. */
function withoutUnstorableMembers(delta: StateDelta): StateDelta {
  if (!delta.sets) return delta;
  const sets: Record<string, string[]> = {};
  for (const name in delta.sets) sets[name] = delta.sets[name]!.filter((v) => typeof v === 'string' && v.length > 0);
  return { ...delta, sets };
}

function encodeState(value: StateValue): Record<string, unknown> {
  const item: Record<string, unknown> = { expiresAt: value.expiresAt };
  for (const kind of Object.keys(ATTR_PREFIX) as AggregateKind[]) {
    const group = value[kind] as Record<string, number | string[]>;
    for (const name in group) {
      const v = group[name]!;
      if (Array.isArray(v)) {
        if (v.length > 0) item[ATTR_PREFIX[kind] + name] = new Set(v);
      } else item[ATTR_PREFIX[kind] + name] = v;
    }
  }
  return item;
}

function decodeState(item: Record<string, unknown>): StoredState {
  const value = emptyStateValue(typeof item.expiresAt === 'number' ? item.expiresAt : 0);
  for (const attr in item) {
    const v = item[attr];
    if (attr.startsWith(ATTR_PREFIX.counters) && typeof v === 'number') value.counters[attr.slice(2)] = v;
    else if (attr.startsWith(ATTR_PREFIX.sets) && v instanceof Set) value.sets[attr.slice(2)] = [...(v as Set<string>)];
    else if (attr.startsWith(ATTR_PREFIX.min) && typeof v === 'number') value.min[attr.slice(3)] = v;
    else if (attr.startsWith(ATTR_PREFIX.max) && typeof v === 'number') value.max[attr.slice(3)] = v;
  }
  return { value, version: typeof item.v === 'number' ? item.v : 0, digests: readDigests(item.tokens) };
}

/** Collects the SET and ADD actions of one UpdateItem with numbered placeholders (names may hold any character). */
class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly adds: string[] = [];
  private readonly nameIds = new Map<string, string>();
  private valueCount = 0;

  name(attribute: string): string {
    let id = this.nameIds.get(attribute);
    if (!id) {
      id = `#n${this.nameIds.size}`;
      this.nameIds.set(attribute, id);
      this.names[id] = attribute;
    }
    return id;
  }

  value(v: unknown): string {
    const id = `:v${this.valueCount++}`;
    this.values[id] = v;
    return id;
  }

  set(attribute: string, v: unknown): void {
    this.sets.push(`${this.name(attribute)} = ${this.value(v)}`);
  }

  add(attribute: string, v: number | Set<string>): void {
    this.adds.push(`${this.name(attribute)} ${this.value(v)}`);
  }

  expression(): string {
    return [this.sets.length ? `SET ${this.sets.join(', ')}` : '', this.adds.length ? `ADD ${this.adds.join(', ')}` : ''].filter(Boolean).join(' ');
  }
}
