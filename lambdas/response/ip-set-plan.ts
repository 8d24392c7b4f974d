/**
 * Planning a WAF IP set update: from the addresses the set holds now and a change (add these, remove
 * those, within this capacity), the full address list to write with UpdateIPSet, which replaces the list
 * whole. Pure, so the adapter can re-plan from fresh state after every optimistic-lock conflict.
 *
 * Rules: addresses compare in canonical form (`2001:DB8::1/128` is `2001:db8::1/128`) but entries Vigil does
 * not touch are written back exactly as found; an address asked to be both present and absent in one change
 * ends present; when the set would overflow, the oldest of Vigil's own blocks (the eviction order) make
 * room, never an address this change adds and never an entry the eviction order does not name; what still
 * does not fit is rejected. An empty result is a valid result: the last address leaves the set.
 */
import { canonicalCidr } from './addresses';

export interface IpSetPlanInput {
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly capacity: number;
}

export interface IpSetPlan {
  /** The complete address list to write. */
  readonly next: readonly string[];
  readonly present: readonly string[];
  readonly absent: readonly string[];
  readonly evicted: readonly string[];
  readonly rejected: readonly string[];
  /** Whether `next` differs from the current list. */
  readonly changed: boolean;
}

/** How many addresses the change would put over capacity (0 when it fits), before any eviction. */
export function ipSetOverflow(current: readonly string[], change: IpSetPlanInput): number {
  const held = new Set(current.map(key));
  for (const r of change.remove) held.delete(key(r));
  for (const a of change.add) held.add(key(a));
  return Math.max(0, held.size - change.capacity);
}

/**
 * @param evictionOrder Vigil's blocks in this set, oldest first; consulted only on overflow.
 * @example
 * planIpSetChange(['198.51.100.1/32'], { add: [], remove: ['198.51.100.1/32'], capacity: 10_000 }).next // []
 */
export function planIpSetChange(current: readonly string[], change: IpSetPlanInput, evictionOrder: readonly string[] = []): IpSetPlan {
  // Map preserves insertion order: existing entries keep their place, new ones follow.
  const working = new Map<string, string>();
  for (const entry of current) {
    const k = key(entry);
    if (!working.has(k)) working.set(k, entry);
  }
  const adds = unique(change.add.map(key));
  const addSet = new Set(adds);
  const absent: string[] = [];
  let changed = working.size !== current.length;

  for (const r of unique(change.remove.map(key))) {
    if (addSet.has(r)) continue;
    if (working.delete(r)) changed = true;
    absent.push(r);
  }

  const present: string[] = [];
  const pending: string[] = [];
  for (const a of adds) (working.has(a) ? present : pending).push(a);

  const evicted: string[] = [];
  let room = change.capacity - working.size;
  if (pending.length > room) {
    for (const candidate of evictionOrder.map(key)) {
      if (pending.length <= room) break;
      if (addSet.has(candidate) || !working.has(candidate)) continue;
      working.delete(candidate);
      evicted.push(candidate);
      changed = true;
      room++;
    }
  }

  const rejected: string[] = [];
  for (const a of pending) {
    if (room > 0) {
      working.set(a, a);
      present.push(a);
      changed = true;
      room--;
    } else {
      rejected.push(a);
    }
  }

  return { next: [...working.values()], present, absent, evicted, rejected, changed };
}

/** Canonical form for comparison; text that is not a CIDR compares as itself (and is left alone). */
function key(entry: string): string {
  return canonicalCidr(entry) ?? entry;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
