/**
 * The embedded store: findings, engine state and the input ledger in one SQLite file (better-sqlite3).
 *
 * It is the CLI's default store (`.vigil/vigil.db`); `:memory:` keeps nothing. Each engine batch is one
 * transaction, opened by the ledger's `begin` and closed by `commit`, so a batch either lands whole with its
 * token or not at all, and re-scanning a file changes nothing.
 *
 * @example
 * const store = LocalStore.open('.vigil/vigil.db');
 * const engine = new Engine({ detectors: DETECTORS, state: store, findings: store, ledger: store, scope });
 * store.listFindings({ minSeverity: 4 });
 * store.close();
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Finding } from '../engine/finding';
import type { ArchiveReason, FindingRepository, InputLedger, StoredFinding } from '../engine/ports';
import { emptyStateValue, mergeDelta, type StateDelta, type StatePort, type StateValue } from '../engine/state';

const SCHEMA_VERSION = 1;

export class LocalStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalStoreError';
  }
}

export interface FindingQuery {
  /** Exact finding type, or a prefix ending in `*` (e.g. `UnauthorizedAccess:EC2/*`). */
  readonly type?: string;
  readonly minSeverity?: number;
  /** An instance id, interface id, access key id, principal id or user name the finding is about. */
  readonly resource?: string;
  /** Include archived findings. @default false */
  readonly includeArchived?: boolean;
  readonly limit?: number;
}

interface FindingRow {
  readonly body: string;
  readonly archive_reason: string | null;
  readonly action_time: number;
}

export class LocalStore implements StatePort, FindingRepository, InputLedger {
  private inTransaction = false;
  private readonly statements: ReturnType<typeof prepareStatements>;

  private constructor(private readonly db: Database.Database) {
    migrate(db);
    this.statements = prepareStatements(db);
  }

  /** Opens (creating if needed) a store file, or an in-memory store for `:memory:`. */
  static open(path: string): LocalStore {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      return new LocalStore(db);
    } catch (cause) {
      throw new LocalStoreError(`cannot open store ${path}: ${(cause as Error).message}`, { cause });
    }
  }

  close(): void {
    this.db.close();
  }

  // --- InputLedger -------------------------------------------------------------------------------------

  async begin(token: string): Promise<boolean> {
    if (this.inTransaction) throw new LocalStoreError('a batch is already open on this store');
    if (this.statements.isApplied.get(token)) return false;
    this.db.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    return true;
  }

  async commit(token: string): Promise<void> {
    this.statements.markApplied.run(token);
    this.db.exec('COMMIT');
    this.inTransaction = false;
  }

  async abort(_token: string): Promise<void> {
    if (this.inTransaction) this.db.exec('ROLLBACK');
    this.inTransaction = false;
  }

  // --- StatePort ---------------------------------------------------------------------------------------

  async merge(deltas: readonly StateDelta[]): Promise<ReadonlyMap<string, StateValue>> {
    const { selectState: select, upsertState: upsert } = this.statements;
    const out = new Map<string, StateValue>();
    for (const delta of deltas) {
      const row = select.get(delta.key) as { value: string } | undefined;
      const value = mergeDelta(row ? (JSON.parse(row.value) as StateValue) : emptyStateValue(delta.expiresAt), delta);
      upsert.run(delta.key, value.expiresAt, JSON.stringify(value));
      out.set(delta.key, value);
    }
    return out;
  }

  async get(keys: readonly string[]): Promise<ReadonlyMap<string, StateValue>> {
    const select = this.statements.selectState;
    const out = new Map<string, StateValue>();
    for (const key of keys) {
      const row = select.get(key) as { value: string } | undefined;
      if (row) out.set(key, JSON.parse(row.value) as StateValue);
    }
    return out;
  }

  async expire(eventTime: number): Promise<number> {
    return this.statements.expireState.run(eventTime).changes;
  }

  /** Number of state entries (for summaries and tests). */
  stateSize(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM state').get() as { n: number }).n;
  }

  // --- FindingRepository -------------------------------------------------------------------------------

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, StoredFinding>> {
    const select = this.statements.selectFinding;
    const out = new Map<string, StoredFinding>();
    for (const id of ids) {
      const row = select.get(id) as FindingRow | undefined;
      if (row) out.set(id, toStored(row));
    }
    return out;
  }

  async putMany(findings: readonly StoredFinding[]): Promise<void> {
    const upsert = this.statements.upsertFinding;
    for (const stored of findings) {
      const f = stored.finding;
      upsert.run(
        f.id,
        f.type,
        f.severity,
        f.updatedAt,
        f.service.archived ? 1 : 0,
        resourceIdentifiers(f).join(' '),
        stored.archiveReason ? JSON.stringify(stored.archiveReason) : null,
        stored.actionTime,
        JSON.stringify(f),
      );
    }
  }

  // --- Queries for the CLI -----------------------------------------------------------------------------

  /** Findings matching the query, most severe first, then most recently updated. */
  listFindings(query: FindingQuery = {}): Finding[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (!query.includeArchived) where.push('archived = 0');
    if (query.minSeverity !== undefined) {
      where.push('severity >= ?');
      params.push(query.minSeverity);
    }
    if (query.type) {
      if (query.type.endsWith('*')) {
        where.push('substr(type, 1, ?) = ?');
        params.push(query.type.length - 1, query.type.slice(0, -1));
      } else {
        where.push('type = ?');
        params.push(query.type);
      }
    }
    if (query.resource) {
      where.push("instr(' ' || resources || ' ', ?) > 0");
      params.push(` ${query.resource} `);
    }
    const sql = `SELECT body FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY severity DESC, updated_at DESC, id LIMIT ?`;
    params.push(query.limit ?? -1);
    return (this.db.prepare(sql).all(...params) as { body: string }[]).map((r) => JSON.parse(r.body) as Finding);
  }

  /** One finding by id, or by a unique id prefix (at least 6 characters). */
  findFinding(idOrPrefix: string): StoredFinding | undefined {
    const exact = this.statements.selectFinding.get(idOrPrefix) as FindingRow | undefined;
    if (exact) return toStored(exact);
    if (idOrPrefix.length < 6) return undefined;
    const rows = this.db.prepare('SELECT body, archive_reason, action_time FROM findings WHERE substr(id, 1, ?) = ? LIMIT 2').all(idOrPrefix.length, idOrPrefix) as FindingRow[];
    return rows.length === 1 ? toStored(rows[0]!) : undefined;
  }

  /**
   * Archives (or unarchives) findings as an operator. Returns the ids that were found; unknown ids are left
   * for the caller to report.
   */
  setArchived(ids: readonly string[], archived: boolean): string[] {
    const done: string[] = [];
    const update = this.db.prepare('UPDATE findings SET archived = ?, archive_reason = ?, body = ? WHERE id = ?');
    const tx = this.db.transaction(() => {
      for (const id of ids) {
        const stored = this.findFinding(id);
        if (!stored) continue;
        const finding: Finding = { ...stored.finding, service: { ...stored.finding.service, archived } };
        const reason: ArchiveReason | null = archived ? { by: 'user' } : null;
        update.run(archived ? 1 : 0, reason ? JSON.stringify(reason) : null, JSON.stringify(finding), finding.id);
        done.push(finding.id);
      }
    });
    tx();
    return done;
  }

  countFindings(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM findings').get() as { n: number }).n;
  }
}

function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS findings (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      severity REAL NOT NULL,
      updated_at TEXT NOT NULL,
      archived INTEGER NOT NULL,
      resources TEXT NOT NULL,
      archive_reason TEXT,
      action_time INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS findings_by_severity ON findings (severity, updated_at);
    CREATE INDEX IF NOT EXISTS findings_by_type ON findings (type, updated_at);
    CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, value TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS state_by_expiry ON state (expires_at);
    CREATE TABLE IF NOT EXISTS applied_inputs (token TEXT PRIMARY KEY);
  `);
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('schemaVersion') as { value: string } | undefined;
  if (row && Number(row.value) > SCHEMA_VERSION) {
    throw new LocalStoreError(`store schema ${row.value} is newer than this Vigil understands (${SCHEMA_VERSION})`);
  }
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('schemaVersion', String(SCHEMA_VERSION));
}

function prepareStatements(db: Database.Database) {
  return {
    isApplied: db.prepare('SELECT 1 FROM applied_inputs WHERE token = ?'),
    markApplied: db.prepare('INSERT INTO applied_inputs (token) VALUES (?)'),
    selectState: db.prepare('SELECT value FROM state WHERE key = ?'),
    upsertState: db.prepare('INSERT OR REPLACE INTO state (key, expires_at, value) VALUES (?, ?, ?)'),
    expireState: db.prepare('DELETE FROM state WHERE expires_at < ?'),
    selectFinding: db.prepare('SELECT body, archive_reason, action_time FROM findings WHERE id = ?'),
    upsertFinding: db.prepare(
      'INSERT OR REPLACE INTO findings (id, type, severity, updated_at, archived, resources, archive_reason, action_time, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
}

function toStored(row: FindingRow): StoredFinding {
  const finding = JSON.parse(row.body) as Finding;
  return row.archive_reason
    ? { finding, actionTime: row.action_time, archiveReason: JSON.parse(row.archive_reason) as ArchiveReason }
    : { finding, actionTime: row.action_time };
}

/** Identifiers a finding can be looked up by with `--resource`. */
export function resourceIdentifiers(finding: Finding): string[] {
  const r = finding.resource;
  const ids = [
    r.instanceDetails?.instanceId,
    ...(r.instanceDetails?.networkInterfaces ?? []).map((n) => n.networkInterfaceId),
    r.accessKeyDetails?.accessKeyId,
    r.accessKeyDetails?.principalId,
    r.accessKeyDetails?.userName,
    ...(r.s3BucketDetails ?? []).map((b) => b.name),
  ];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0 && !id.includes(' ')))];
}
