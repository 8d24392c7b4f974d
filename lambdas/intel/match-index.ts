/**
 * Cross-list indexes: one lookup answers "which of these lists contain this address / domain", however many
 * lists are loaded.
 *
 * For addresses, the lists' partitions (each already resolved to its most specific entry per segment) are
 * overlaid into one partition whose owner says which (list, entry) pairs cover the segment: one list's entry
 * directly, or an interned group when several lists do. A lookup is then a single bucketed binary search; the
 * frozen `IntelMatch[]` for an owner is made on its first hit and shared after, so neither misses nor
 * repeated hits allocate.
 *
 * For domains, the lists' entries are merged into one {@link DomainSet} whose entries remember which lists
 * hold them; a query walks its name once. Internal to the intel layer: the registry composes these.
 */
import { AddressPartition, overlaySegments } from './address-partition';
import type { CidrSet } from './cidr-set';
import { DomainSet } from './domain-set';
import type { IntelMatch } from './types';

/** What an index needs from a loaded list. */
export interface IndexedList {
  readonly cidrs: CidrSet;
  /** The list's domains, normalized and distinct. */
  readonly domains: readonly string[];
  /** The match to report for one of the list's entries. */
  matchFor(entry: string): IntelMatch;
}

/** The result of every lookup that finds nothing: shared and frozen, so misses cost no allocation. */
export const NO_MATCHES: readonly IntelMatch[] = Object.freeze([]);

/** Largest number of parents a DNS name can have (253 characters, one-letter labels). */
const MAX_LABELS = 128;

/** Which lists contain an address, in one lookup across all of them. */
export class IpMatchIndex {
  /** Results made so far, by owner; only hits fill it. */
  private readonly results = new Map<number, readonly IntelMatch[]>();

  private constructor(
    private readonly lists: readonly IndexedList[],
    private readonly partition: AddressPartition,
    /** Owner ids below `offsets[j + 1]` and at or above `offsets[j]` are entry `id - offsets[j]` of list `j` alone. */
    private readonly offsets: Int32Array,
    /** Owner `offsets[lists.length] + g` is shared group `g`, whose (list, entry) members are listed here. */
    private readonly sharedGroups: readonly (readonly [list: number, entry: number][])[],
  ) {}

  static build(lists: readonly IndexedList[]): IpMatchIndex {
    const offsets = new Int32Array(lists.length + 1);
    lists.forEach((l, j) => {
      offsets[j + 1] = offsets[j]! + l.cidrs.size;
    });
    const firstShared = offsets[lists.length]!;
    // Most segments are covered by one list: their owner is that list's entry, offset, and needs no
    // interning. Only segments several lists cover pay for a string key.
    const sharedIds = new Map<string, number>();
    const sharedGroups: Array<Array<[number, number]>> = [];
    const combine = (owners: Int32Array): number => {
      let only = -1;
      let holders = 0;
      for (let j = 0; j < owners.length; j++) {
        if (owners[j]! >= 0) {
          only = j;
          holders++;
        }
      }
      if (holders === 0) return -1;
      if (holders === 1) return offsets[only]! + owners[only]!;
      let key = '';
      for (let j = 0; j < owners.length; j++) if (owners[j]! >= 0) key += `${j}:${owners[j]},`;
      let id = sharedIds.get(key);
      if (id === undefined) {
        id = firstShared + sharedGroups.length;
        const members: Array<[number, number]> = [];
        for (let j = 0; j < owners.length; j++) if (owners[j]! >= 0) members.push([j, owners[j]!]);
        sharedGroups.push(members);
        sharedIds.set(key, id);
      }
      return id;
    };
    const v4 = overlaySegments(
      lists.map((l) => l.cidrs.partition.segments(4)),
      1,
      combine,
    );
    const v6 = overlaySegments(
      lists.map((l) => l.cidrs.partition.segments(6)),
      4,
      combine,
    );
    return new IpMatchIndex(lists, new AddressPartition(v4, v6), offsets, sharedGroups);
  }

  /** Matches for an IPv4 address parsed to an unsigned 32-bit number. */
  matchIpv4(address: number): readonly IntelMatch[] {
    return this.resultOf(this.partition.ownerOfIpv4(address));
  }

  /** Matches for an IPv6 address parsed to four words (IPv4-mapped ones are looked up as IPv4). */
  matchIpv6(words: ArrayLike<number>): readonly IntelMatch[] {
    return this.resultOf(this.partition.ownerOfIpv6(words));
  }

  /** Whether any list holds the IPv4 address: no result is made. */
  hasIpv4(address: number): boolean {
    return this.partition.ownerOfIpv4(address) >= 0;
  }

  hasIpv6(words: ArrayLike<number>): boolean {
    return this.partition.ownerOfIpv6(words) >= 0;
  }

  private resultOf(owner: number): readonly IntelMatch[] {
    if (owner < 0) return NO_MATCHES;
    let result = this.results.get(owner);
    if (result === undefined) {
      const members = this.membersOf(owner);
      result = Object.freeze(members.map(([j, entry]) => this.lists[j]!.matchFor(this.lists[j]!.cidrs.entry(entry)!)));
      this.results.set(owner, result);
    }
    return result;
  }

  private membersOf(owner: number): readonly (readonly [number, number])[] {
    const { offsets } = this;
    const firstShared = offsets[this.lists.length]!;
    if (owner >= firstShared) return this.sharedGroups[owner - firstShared]!;
    let j = 0;
    while (offsets[j + 1]! <= owner) j++;
    return [[j, owner - offsets[j]!]];
  }
}

/** Which lists contain a domain or one of its parents, in one walk of the name across all of them. */
export class DomainMatchIndex {
  private readonly scratch = new Int32Array(MAX_LABELS);
  private readonly results: Array<readonly IntelMatch[] | undefined>;

  private constructor(
    private readonly lists: readonly IndexedList[],
    private readonly names: DomainSet,
    /** For each entry of `names`, the lists that hold it, in list order. */
    private readonly holders: readonly (readonly number[])[],
  ) {
    this.results = new Array<readonly IntelMatch[] | undefined>(holders.length);
  }

  static build(lists: readonly IndexedList[]): DomainMatchIndex {
    const indexOfName = new Map<string, number>();
    const names: string[] = [];
    const holders: number[][] = [];
    lists.forEach((list, j) => {
      for (const name of list.domains) {
        let index = indexOfName.get(name);
        if (index === undefined) {
          index = names.length;
          indexOfName.set(name, index);
          names.push(name);
          holders.push([]);
        }
        holders[index]!.push(j);
      }
    });
    return new DomainMatchIndex(lists, new DomainSet(names), holders);
  }

  /** Every list holding the name or a parent, each with its most specific entry, in list order. */
  match(name: string): readonly IntelMatch[] {
    const count = this.names.collectMatches(name, this.scratch);
    if (count === 0) return NO_MATCHES;
    if (count === 1) return this.resultOf(this.scratch[0]!);
    // Nested entries (`evil.example` and `c2.evil.example`) matched: per list, keep the most specific. Rare,
    // so this path may allocate.
    const entryOfList = new Map<number, number>();
    for (let m = count - 1; m >= 0; m--) {
      const index = this.scratch[m]!;
      for (const j of this.holders[index]!) if (!entryOfList.has(j)) entryOfList.set(j, index);
    }
    return Object.freeze(
      [...entryOfList.entries()].sort(([a], [b]) => a - b).map(([j, index]) => this.lists[j]!.matchFor(this.names.entry(index)!)),
    );
  }

  /** Whether any list holds the name or a parent: no result is made. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  private resultOf(index: number): readonly IntelMatch[] {
    let result = this.results[index];
    if (result === undefined) {
      const name = this.names.entry(index)!;
      result = Object.freeze(this.holders[index]!.map((j) => this.lists[j]!.matchFor(name)));
      this.results[index] = result;
    }
    return result;
  }
}
