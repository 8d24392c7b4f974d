/**
 * In-memory implementations of the engine's ports, for tests and for `--store :memory:`-style runs that
 * keep nothing. Each batch is applied atomically: changes are staged and only kept on commit.
 */
import type { FindingRepository, InputLedger, StoredFinding } from '../engine/ports';
import { emptyStateValue, mergeDelta, type StateDelta, type StatePort, type StateValue } from '../engine/state';

export class MemoryStore implements StatePort, FindingRepository, InputLedger {
  readonly state = new Map<string, StateValue>();
  readonly findings = new Map<string, StoredFinding>();
  readonly appliedTokens = new Set<string>();
  private stagedState = new Map<string, StateValue>();
  private stagedFindings = new Map<string, StoredFinding>();

  async begin(token: string): Promise<boolean> {
    this.stagedState.clear();
    this.stagedFindings.clear();
    return !this.appliedTokens.has(token);
  }

  async commit(token: string): Promise<void> {
    for (const [k, v] of this.stagedState) this.state.set(k, v);
    for (const [k, v] of this.stagedFindings) this.findings.set(k, v);
    this.appliedTokens.add(token);
    this.stagedState.clear();
    this.stagedFindings.clear();
  }

  async abort(): Promise<void> {
    this.stagedState.clear();
    this.stagedFindings.clear();
  }

  async merge(deltas: readonly StateDelta[]): Promise<ReadonlyMap<string, StateValue>> {
    const out = new Map<string, StateValue>();
    for (const delta of deltas) {
      const current = this.stagedState.get(delta.key) ?? this.state.get(delta.key);
      const merged = mergeDelta(current ? structuredClone(current) : emptyStateValue(delta.expiresAt), delta);
      this.stagedState.set(delta.key, merged);
      out.set(delta.key, merged);
    }
    return out;
  }

  async get(keys: readonly string[]): Promise<ReadonlyMap<string, StateValue>> {
    const out = new Map<string, StateValue>();
    for (const key of keys) {
      const v = this.stagedState.get(key) ?? this.state.get(key);
      if (v) out.set(key, v);
    }
    return out;
  }

  async expire(eventTime: number): Promise<number> {
    let removed = 0;
    for (const [k, v] of this.state) {
      if (v.expiresAt < eventTime) {
        this.state.delete(k);
        removed++;
      }
    }
    return removed;
  }

  async getMany(ids: readonly string[]): Promise<ReadonlyMap<string, StoredFinding>> {
    const out = new Map<string, StoredFinding>();
    for (const id of ids) {
      const f = this.stagedFindings.get(id) ?? this.findings.get(id);
      if (f) out.set(id, f);
    }
    return out;
  }

  async putMany(findings: readonly StoredFinding[]): Promise<void> {
    for (const f of findings) this.stagedFindings.set(f.finding.id, f);
  }
}
