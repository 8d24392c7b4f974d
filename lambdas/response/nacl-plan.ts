/**
 * Planning network ACL changes from the NACL's *actual* entries, so drift (entries removed, added or
 * renumbered by hand) is reconciled instead of being fatal.
 *
 * Ownership: Vigil's entries are exactly those that look like its own: inside the reserved rule-number
 * range, `deny`, all protocols, a single-host CIDR. Anything else, in the range or not, belongs to someone
 * else: Vigil never deletes it, never reuses its rule number, and counts it against the quota. An entry that
 * looks like Vigil's and denies an address Vigil wants denied is *adopted* (a retried invocation, or a block
 * the registry lost), never duplicated.
 *
 * Quota: AWS counts entries per NACL, per direction and per address family, default rule included (20 by
 * default, up to 40). When a new deny does not fit, Vigil's oldest block in that direction and family is
 * evicted; when none can be, the deny is rejected.
 */
import { cidrHost, lenientCidrSet } from './addresses';
import type { Direction } from './block';
import type { NaclDeny, NaclDrift, NaclPresent, NaclRejection } from './ports';

/** One NACL entry as DescribeNetworkAcls reports it (one of the CIDR fields set). */
export interface NaclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly ruleAction: 'allow' | 'deny';
  /** Protocol number as text; `-1` is all protocols. */
  readonly protocol: string;
  readonly cidr: string;
}

export interface NaclPlanInput {
  /** Denies wanted; `expectedRuleNumber` is where the registry last saw it (for drift reports). */
  readonly deny: readonly (NaclDeny & { readonly expectedRuleNumber?: number })[];
  readonly lift: readonly NaclDeny[];
  readonly ruleRange: { readonly first: number; readonly last: number };
  /** Entries per direction and family; may be lowered per direction/family when AWS says so. */
  readonly quota: number | ((direction: Direction, version: 4 | 6) => number);
}

export interface NaclEntryChange {
  readonly ruleNumber: number;
  readonly direction: Direction;
  readonly cidr: string;
}

export interface NaclPlan {
  /** Entries to delete first (lifts and evictions). */
  readonly deletes: readonly NaclEntryChange[];
  /** Entries to create after the deletes. */
  readonly creates: readonly NaclEntryChange[];
  readonly present: readonly NaclPresent[];
  readonly absent: readonly NaclDeny[];
  readonly evicted: readonly NaclEntryChange[];
  readonly rejected: readonly (NaclDeny & { readonly reason: NaclRejection })[];
  readonly drift: readonly NaclDrift[];
}

interface WorkingEntry extends NaclEntry {
  readonly direction: Direction;
  /** Canonical host CIDR when Vigil owns the entry. */
  readonly owned?: string;
  readonly version: 4 | 6;
}

/**
 * @param evictionOrder Per direction, Vigil's blocks (host CIDRs) oldest first.
 * @example
 * const plan = planNaclChange(entries, { deny: [{ cidr: '198.51.100.7/32', direction: 'ingress' }], lift: [], ruleRange: { first: 1, last: 99 }, quota: 20 });
 * plan.creates // [{ ruleNumber: 1, direction: 'ingress', cidr: '198.51.100.7/32' }] when rule 1 is free
 */
export function planNaclChange(
  entries: readonly NaclEntry[],
  input: NaclPlanInput,
  evictionOrder: ReadonlyMap<Direction, readonly string[]> = new Map(),
): NaclPlan {
  const { first, last } = input.ruleRange;
  const quotaOf = typeof input.quota === 'number' ? () => input.quota as number : input.quota;
  const working: WorkingEntry[] = entries.map((e) => {
    const host = cidrHost(e.cidr);
    const direction: Direction = e.egress ? 'egress' : 'ingress';
    const inRange = e.ruleNumber >= first && e.ruleNumber <= last;
    const owned = inRange && e.ruleAction === 'deny' && e.protocol === '-1' && host ? host.cidr : undefined;
    return { ...e, direction, version: e.cidr.includes(':') ? 6 : 4, ...(owned ? { owned } : {}) };
  });

  const deletes: NaclEntryChange[] = [];
  const creates: NaclEntryChange[] = [];
  const present: NaclPresent[] = [];
  const absent: NaclDeny[] = [];
  const evicted: NaclEntryChange[] = [];
  const rejected: (NaclDeny & { reason: NaclRejection })[] = [];
  const drift: NaclDrift[] = [];

  const remove = (entry: WorkingEntry): NaclEntryChange => {
    working.splice(working.indexOf(entry), 1);
    const change = { ruleNumber: entry.ruleNumber, direction: entry.direction, cidr: entry.owned ?? entry.cidr };
    deletes.push(change);
    return change;
  };
  const ownedFor = (cidr: string, direction: Direction): WorkingEntry[] =>
    working.filter((e) => e.owned === cidr && e.direction === direction).sort((a, b) => a.ruleNumber - b.ruleNumber);

  const denyKeys = new Set(input.deny.map((d) => `${d.direction}|${canonical(d.cidr)}`));

  for (const lift of dedupe(input.lift)) {
    const cidr = canonical(lift.cidr);
    if (denyKeys.has(`${lift.direction}|${cidr}`)) continue;
    for (const entry of ownedFor(cidr, lift.direction)) remove(entry);
    absent.push({ cidr, direction: lift.direction });
  }

  for (const deny of dedupe(input.deny)) {
    const cidr = canonical(deny.cidr);
    const host = cidrHost(cidr);
    if (!host) continue;
    const existing = ownedFor(cidr, deny.direction);
    if (existing.length > 0) {
      const keep = existing[0]!;
      // Two identical denies are one too many against a quota of 20: drop the extras.
      for (const extra of existing.slice(1)) remove(extra);
      present.push({ cidr, direction: deny.direction, ruleNumber: keep.ruleNumber, created: false });
      continue;
    }
    if (deny.expectedRuleNumber !== undefined) {
      const occupant = working.find((e) => e.direction === deny.direction && e.ruleNumber === deny.expectedRuleNumber);
      drift.push(
        occupant
          ? { kind: 'rule-number-taken', detail: `rule ${deny.expectedRuleNumber} (${deny.direction}) now holds ${occupant.ruleAction} ${occupant.cidr}; ${cidr} moves` }
          : { kind: 'entry-missing', detail: `deny ${cidr} (${deny.direction}) at rule ${deny.expectedRuleNumber} was removed outside Vigil; re-created` },
      );
    }

    const family = (e: WorkingEntry): boolean => e.direction === deny.direction && e.version === host.version;
    const evictOne = (sameFamily: boolean): boolean => {
      for (const candidate of (evictionOrder.get(deny.direction) ?? []).map(canonical)) {
        if (denyKeys.has(`${deny.direction}|${candidate}`)) continue;
        const victim = working.find((e) => e.owned === candidate && e.direction === deny.direction && (!sameFamily || e.version === host.version));
        if (victim) {
          evicted.push(remove(victim));
          return true;
        }
      }
      return false;
    };

    let full = false;
    while (working.filter(family).length >= quotaOf(deny.direction, host.version)) {
      if (!evictOne(true)) {
        full = true;
        break;
      }
    }
    if (full) {
      rejected.push({ cidr, direction: deny.direction, reason: 'nacl-full' });
      continue;
    }
    let ruleNumber = freeRuleNumber(working, deny.direction, first, last);
    if (ruleNumber === undefined && evictOne(false)) ruleNumber = freeRuleNumber(working, deny.direction, first, last);
    if (ruleNumber === undefined) {
      rejected.push({ cidr, direction: deny.direction, reason: 'rule-range-full' });
      continue;
    }
    const entry: WorkingEntry = { ruleNumber, egress: deny.direction === 'egress', ruleAction: 'deny', protocol: '-1', cidr, direction: deny.direction, owned: cidr, version: host.version };
    working.push(entry);
    creates.push({ ruleNumber, direction: deny.direction, cidr });
    present.push({ cidr, direction: deny.direction, ruleNumber, created: true });
  }

  drift.push(...shadowing(working, present));
  return { deletes, creates, present, absent, evicted, rejected, drift };
}

/** The lowest rule number in the range that no entry of that direction uses. */
function freeRuleNumber(working: readonly WorkingEntry[], direction: Direction, first: number, last: number): number | undefined {
  const used = new Set(working.filter((e) => e.direction === direction).map((e) => e.ruleNumber));
  for (let n = first; n <= last; n++) if (!used.has(n)) return n;
  return undefined;
}

/**
 * Allow entries numbered below a deny win over it for the traffic they match. That is the operator's
 * configuration to fix (move the reserved range lower), so it is reported, not changed.
 */
function shadowing(working: readonly WorkingEntry[], present: readonly NaclPresent[]): NaclDrift[] {
  const out: NaclDrift[] = [];
  for (const p of present) {
    for (const e of working) {
      if (e.direction !== p.direction || e.ruleAction !== 'allow' || e.ruleNumber >= p.ruleNumber) continue;
      const host = cidrHost(p.cidr);
      if (host && lenientCidrSet([e.cidr]).has(host.ip)) {
        out.push({ kind: 'shadowed-by-allow', detail: `allow rule ${e.ruleNumber} (${e.cidr}) is evaluated before Vigil's deny ${p.ruleNumber} for ${p.cidr}` });
        break;
      }
    }
  }
  return out;
}

function canonical(cidr: string): string {
  return cidrHost(cidr)?.cidr ?? cidr;
}

function dedupe<T extends NaclDeny>(list: readonly T[]): T[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.direction}|${canonical(d.cidr)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
