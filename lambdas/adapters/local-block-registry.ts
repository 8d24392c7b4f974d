/**
 * The block registry in the CLI's embedded store: a table `blocks` in the same SQLite file as the findings
 * (`--store`, default `.vigil/vigil.db`). Locally Vigil has no WAF or NACL to change, so everything recorded
 * here is a dry-run record; the table exists so that `vigil blocks list|unblock|sync` behave as they do
 * against the DynamoDB registry.
 *
 * @example
 * const registry = LocalBlockRegistry.open('.vigil/vigil.db');
 * console.log(await registry.list({ statuses: ['simulated'] }));
 * registry.close();
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isLive, recordKey, type BlockRecord, type BlockStatus } from '../response/block';
import type { BlockRegistry } from '../response/ports';
import { StoreError } from './errors';

type Db = InstanceType<typeof Database>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blocks (
  address    TEXT NOT NULL,
  target     TEXT NOT NULL,
  status     TEXT NOT NULL,
  live       INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  record     TEXT NOT NULL,
  PRIMARY KEY (address, target)
);
CREATE INDEX IF NOT EXISTS blocks_live_target ON blocks (target, created_at) WHERE live = 1;
CREATE INDEX IF NOT EXISTS blocks_live_expiry ON blocks (expires_at) WHERE live = 1;
`;

export class LocalBlockRegistry implements BlockRegistry {
  private readonly upsert;

  private constructor(private readonly db: Db, private readonly ownsDb: boolean) {
    db.exec(SCHEMA);
    this.upsert = db.prepare(
      `INSERT INTO blocks (address, target, status, live, created_at, expires_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (address, target) DO UPDATE SET status = excluded.status, live = excluded.live,
         created_at = excluded.created_at, expires_at = excluded.expires_at, record = excluded.record`,
    );
  }

  /** Opens (creating if needed) the store file; `:memory:` keeps nothing. */
  static open(path: string): LocalBlockRegistry {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      return new LocalBlockRegistry(db, true);
    } catch (error) {
      throw new StoreError(`cannot open the block registry in ${path}`, { cause: error, retryable: false });
    }
  }

  /** Uses a database the caller opened (and will close), e.g. the CLI's findings store. */
  static on(db: Db): LocalBlockRegistry {
    return new LocalBlockRegistry(db, false);
  }

  close(): void {
    if (this.ownsDb) this.db.close();
  }

  async getMany(keys: readonly { readonly address: string; readonly target: string }[]): Promise<ReadonlyMap<string, BlockRecord>> {
    const get = this.db.prepare('SELECT record FROM blocks WHERE address = ? AND target = ?');
    const out = new Map<string, BlockRecord>();
    for (const k of keys) {
      const row = get.get(k.address, k.target) as { record: string } | undefined;
      if (row) out.set(recordKey(k.address, k.target), JSON.parse(row.record) as BlockRecord);
    }
    return out;
  }

  async put(records: readonly BlockRecord[]): Promise<void> {
    const write = this.db.transaction((rows: readonly BlockRecord[]) => {
      for (const r of rows) this.upsert.run(r.address, r.target, r.status, isLive(r.status) ? 1 : 0, r.createdAt, r.expiresAt, JSON.stringify(r));
    });
    write(records);
  }

  async listLive(target: string): Promise<BlockRecord[]> {
    return this.rows('SELECT record FROM blocks WHERE live = 1 AND target = ? ORDER BY created_at, address', target);
  }

  async listDue(now: number, limit: number): Promise<BlockRecord[]> {
    return this.rows('SELECT record FROM blocks WHERE live = 1 AND expires_at <= ? ORDER BY expires_at, address LIMIT ?', now, Math.min(limit, Number.MAX_SAFE_INTEGER));
  }

  async listByAddress(address: string): Promise<BlockRecord[]> {
    return this.rows('SELECT record FROM blocks WHERE address = ? ORDER BY target', address);
  }

  async list(filter: { readonly statuses?: readonly BlockStatus[]; readonly limit?: number } = {}): Promise<BlockRecord[]> {
    const statuses = filter.statuses ?? [];
    const where = statuses.length > 0 ? `WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
    const limit = filter.limit !== undefined ? 'LIMIT ?' : '';
    const params: (string | number)[] = [...statuses, ...(filter.limit !== undefined ? [filter.limit] : [])];
    return this.rows(`SELECT record FROM blocks ${where} ORDER BY created_at DESC, address ${limit}`, ...params);
  }

  private rows(sql: string, ...params: (string | number)[]): BlockRecord[] {
    return (this.db.prepare(sql).all(...params) as { record: string }[]).map((row) => JSON.parse(row.record) as BlockRecord);
  }
}
