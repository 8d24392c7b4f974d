/**
 * The State port: keyed aggregates that outlive a batch (windows, baselines, first-seen marks).
 *
 * Stateful detectors never read or write state one event at a time. They emit {@link StateDelta}s; the
 * engine folds every delta of a batch into one delta per key ({@link mergeDelta}) and hands the folded
 * deltas to {@link StatePort.merge} in one call, which applies them (one write per key) and returns the
 * merged totals. This is what keeps state cost per event near zero: DynamoDB sees one `UpdateItem ADD`
 * per key per batch, not per event.
 *
 * Operations are the ones a key-value store can apply atomically without reading first:
 * counters add, sets union (bounded), min and max keep the extreme.
 */

export interface StateDelta {
  readonly key: string;
  /** Event time (ms) after which the entry may be forgotten. Merging keeps the later expiry. */
  readonly expiresAt: number;
  readonly counters?: Readonly<Record<string, number>>;
  /** Distinct values to add; each set keeps at most {@link SET_LIMIT} members. */
  readonly sets?: Readonly<Record<string, readonly string[]>>;
  readonly min?: Readonly<Record<string, number>>;
  readonly max?: Readonly<Record<string, number>>;
}

export interface StateValue {
  expiresAt: number;
  counters: Record<string, number>;
  sets: Record<string, string[]>;
  min: Record<string, number>;
  max: Record<string, number>;
}

/** The most members a state set keeps; further values are dropped (the set is then "saturated"). */
export const SET_LIMIT = 1024;

export interface StatePort {
  /**
   * Applies the deltas and returns the merged value of every key they name.
   *
   * `token` identifies the input batch. A port must not apply the same token twice to a key: either it
   * commits a batch atomically with the token ({@link InputLedger}), or it records tokens per key.
   */
  merge(deltas: readonly StateDelta[], token: string): Promise<ReadonlyMap<string, StateValue>>;
  /** Reads current values without changing them (missing keys are absent from the map). */
  get(keys: readonly string[]): Promise<ReadonlyMap<string, StateValue>>;
  /** Forgets entries whose `expiresAt` is before `eventTime`. Returns how many were removed. */
  expire(eventTime: number): Promise<number>;
}

export function emptyStateValue(expiresAt = 0): StateValue {
  return { expiresAt, counters: {}, sets: {}, min: {}, max: {} };
}

/**
 * Folds `delta` into `into` in place. Used both to combine a batch's deltas and, by stores without native
 * operations, to apply a delta to a stored value.
 */
export function mergeDelta(into: StateValue, delta: Omit<StateDelta, 'key'>): StateValue {
  if (delta.expiresAt > into.expiresAt) into.expiresAt = delta.expiresAt;
  if (delta.counters) {
    for (const name in delta.counters) into.counters[name] = (into.counters[name] ?? 0) + (delta.counters[name] ?? 0);
  }
  if (delta.sets) {
    for (const name in delta.sets) {
      const target = (into.sets[name] ??= []);
      for (const value of delta.sets[name] ?? []) {
        if (target.length >= SET_LIMIT) break;
        if (!target.includes(value)) target.push(value);
      }
    }
  }
  if (delta.min) {
    for (const name in delta.min) {
      const v = delta.min[name]!;
      const cur = into.min[name];
      if (cur === undefined || v < cur) into.min[name] = v;
    }
  }
  if (delta.max) {
    for (const name in delta.max) {
      const v = delta.max[name]!;
      const cur = into.max[name];
      if (cur === undefined || v > cur) into.max[name] = v;
    }
  }
  return into;
}

/** Converts a folded value back into a delta for a port to apply. */
export function valueToDelta(key: string, value: StateValue): StateDelta {
  return { key, expiresAt: value.expiresAt, counters: value.counters, sets: value.sets, min: value.min, max: value.max };
}

/**
 * The start (ms) of the fixed window of `windowMs` that holds `time`. Windows are aligned to the epoch, so
 * every host and every replay puts an event in the same window.
 *
 * @example windowStart(Date.UTC(2025, 0, 1, 0, 7), 5 * 60_000) // 2025-01-01T00:05:00Z
 */
export function windowStart(time: number, windowMs: number): number {
  return time - (((time % windowMs) + windowMs) % windowMs);
}
