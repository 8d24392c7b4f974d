/**
 * The input ledger on DynamoDB: one item per applied batch token in the state table
 * (`pk` = `ledger#<sha256 of the token>`, with the token itself, when it was applied and a TTL).
 *
 * DynamoDB here has no transaction that could cover a whole batch, so `begin` and `abort` are reads and
 * no-ops: the guarantee that a crashed, half-applied batch changes nothing twice when it is redelivered
 * comes from the per-item token digests that {@link DynamoStateStore} and {@link DynamoFindingRepository}
 * write. The ledger item makes the common case cheap: a batch that finished is skipped with one read.
 *
 * @example
 * const ledger = new DynamoInputLedger({ client, tableName: 'vigil-state' });
 * if (await ledger.begin('s3://logs/key#etag#0')) { … apply …; await ledger.commit('s3://logs/key#etag#0'); }
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InputLedger } from '../engine/ports';
import { StoreError } from './errors';

export interface DynamoInputLedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Wall clock (ms) for `appliedAt` and the TTL. @default Date.now */
  readonly clock?: () => number;
  /**
   * How long a token is remembered. It must outlast every redelivery: SQS keeps messages up to 14 days,
   * Kinesis records for its retention period. @default 1_209_600_000 (14 days)
   */
  readonly retentionMs?: number;
}

export const LEDGER_KEY_PREFIX = 'ledger#';

export function ledgerKey(token: string): string {
  return LEDGER_KEY_PREFIX + createHash('sha256').update(token).digest('hex');
}

export class DynamoInputLedger implements InputLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: () => number;
  private readonly retentionMs: number;

  constructor(options: DynamoInputLedgerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? Date.now;
    this.retentionMs = options.retentionMs ?? 14 * 86_400_000;
  }

  /** False when the token was already committed; strongly consistent, so a just-finished retry is seen. */
  async begin(token: string): Promise<boolean> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: ledgerKey(token) }, ConsistentRead: true, ProjectionExpression: 'pk' }),
      );
      return Item === undefined;
    } catch (error) {
      throw new StoreError(`reading the ledger entry of ${token} failed`, { cause: error });
    }
  }

  async commit(token: string): Promise<void> {
    const now = this.clock();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: ledgerKey(token), token, appliedAt: new Date(now).toISOString(), ttl: Math.ceil((now + this.retentionMs) / 1000) },
        }),
      );
    } catch (error) {
      throw new StoreError(`recording ${token} in the ledger failed`, { cause: error });
    }
  }

  /** Nothing to roll back: whatever the batch wrote carries its token and will be skipped on the retry. */
  async abort(_token: string): Promise<void> {}
}
