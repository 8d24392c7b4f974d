/**
 * The block registry in memory: for tests, and for runs that keep nothing. Same ordering rules as the
 * DynamoDB and SQLite registries (live by target oldest first; due soonest first; listing newest first).
 */
import { isLive, recordKey, type BlockRecord, type BlockStatus } from '../response/block';
import type { BlockRegistry } from '../response/ports';

export class MemoryBlockRegistry implements BlockRegistry {
  readonly records = new Map<string, BlockRecord>();

  constructor(initial: readonly BlockRecord[] = []) {
    for (const r of initial) this.records.set(recordKey(r.address, r.target), r);
  }

  async getMany(keys: readonly { readonly address: string; readonly target: string }[]): Promise<ReadonlyMap<string, BlockRecord>> {
    const out = new Map<string, BlockRecord>();
    for (const k of keys) {
      const key = recordKey(k.address, k.target);
      const r = this.records.get(key);
      if (r) out.set(key, r);
    }
    return out;
  }

  async put(records: readonly BlockRecord[]): Promise<void> {
    for (const r of records) this.records.set(recordKey(r.address, r.target), structuredClone(r));
  }

  async listLive(target: string): Promise<BlockRecord[]> {
    return this.all()
      .filter((r) => r.target === target && isLive(r.status))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async listDue(now: number, limit: number): Promise<BlockRecord[]> {
    return this.all()
      .filter((r) => isLive(r.status) && r.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit);
  }

  async listByAddress(address: string): Promise<BlockRecord[]> {
    return this.all().filter((r) => r.address === address);
  }

  async list(filter: { readonly statuses?: readonly BlockStatus[]; readonly limit?: number } = {}): Promise<BlockRecord[]> {
    const statuses = filter.statuses;
    const out = this.all()
      .filter((r) => !statuses || statuses.length === 0 || statuses.includes(r.status))
      .sort((a, b) => b.createdAt - a.createdAt || a.address.localeCompare(b.address));
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out;
  }

  private all(): BlockRecord[] {
    return [...this.records.values()];
  }
}
