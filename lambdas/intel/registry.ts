/**
 * The loaded threat and trusted lists, behind the engine's {@link IntelLookup} port.
 *
 * GuardDuty semantics:
 * - threat lists raise findings; the trusted list silences flow and CloudTrail findings, and an address on
 *   both is trusted (`matchIp` still reports the threat lists; the engine drops the finding because
 *   `isTrustedIp` is true, and counts it as suppressed);
 * - lists apply only to publicly routable addresses. Vigil also counts the documentation ranges as routable
 *   by default, because they never occur in real traffic and the samples use them as attackers; set
 *   `addressScope: 'public'` for the strict rule, or `'any'` to match private addresses too.
 *
 * Detectors ask for every event and most lookups miss. All threat lists share one cross-list index (see
 * match-index.ts), so a lookup parses the address once, in place, and does one search however many lists are
 * loaded; a miss returns one shared frozen empty array and a hit a cached frozen array, so neither allocates.
 *
 * @example
 * const builder = new IntelRegistryBuilder();
 * builder.add({ name: 'bad-ips', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.0/24\n' });
 * builder.add({ name: 'tor', category: 'tor-exit', kind: 'threat', text: torExitAddresses, format: 'tor-exit' });
 * builder.add({ name: 'office', category: CUSTOM_CATEGORY, kind: 'trusted', text: '198.51.100.10\n' });
 * const intel = builder.build();
 * intel.matchIp('198.51.100.7')  // [{ listName: 'bad-ips', category: 'custom', kind: 'threat', entry: '198.51.100.0/24', fileSha256: '…' }]
 * intel.isTrustedIp('198.51.100.10') // true
 */
import { createHash } from 'node:crypto';
import { CidrSet, CidrSetBuilder } from './cidr-set';
import { IntelConfigError } from './errors';
import { classifyIpv4, classifyIpv6, parseIpv4, parseIpv6Into, type IpClass } from './ip';
import { listFormatFromName, parseList, type ListFormat, type ListIssue } from './lists';
import { DomainMatchIndex, IpMatchIndex, NO_MATCHES, type IndexedList } from './match-index';
import { CUSTOM_CATEGORY, type IntelKind, type IntelLookup, type IntelMatch } from './types';

/** Categories of address feeds known today; detectors pick the ones they read. */
export const ADDRESS_CATEGORIES = ['tor-exit', 'tor-relay', 'scanner', 'mining', 'c2', 'blackhole', 'drop-point', 'malicious'] as const;
/** One of {@link ADDRESS_CATEGORIES}. */
export type AddressCategory = (typeof ADDRESS_CATEGORIES)[number];

/** Categories of domain feeds known today; detectors pick the ones they read. */
export const DOMAIN_CATEGORIES = ['c2', 'mining', 'blackhole', 'drop-point', 'malicious', 'phishing', 'drive-by', 'dga'] as const;
/** One of {@link DOMAIN_CATEGORIES}. */
export type DomainCategory = (typeof DOMAIN_CATEGORIES)[number];

const THREAT_CATEGORIES: ReadonlySet<string> = new Set<string>([CUSTOM_CATEGORY, ...ADDRESS_CATEGORIES, ...DOMAIN_CATEGORIES]);

/** Which remote addresses are looked up in lists at all. */
export type AddressScope = 'public' | 'public-or-documentation' | 'any';

/** How a registry loads and applies its lists. */
export interface IntelRegistryOptions {
  /**
   * Which addresses lists apply to. GuardDuty: publicly routable only (`public`).
   * @default 'public-or-documentation'
   */
  readonly addressScope?: AddressScope;
  /** Event time (ms) at which the lists are used; STIX indicators expired by then are not loaded. */
  readonly asOf?: number;
  /**
   * Issues kept in detail per list (all are counted).
   * @default 1000
   */
  readonly maxIssues?: number;
}

/** One list file to load. */
export interface IntelListSource {
  /** Shown in findings as `threatListName`; unique within a registry. */
  readonly name: string;
  /** `custom` for a threat list; for a feed one of {@link ADDRESS_CATEGORIES} / {@link DOMAIN_CATEGORIES}. */
  readonly category: string;
  readonly kind: IntelKind;
  /** The file's content, or its lines. */
  readonly text: string | Iterable<string>;
  /** Vigil (`otx-csv`) or GuardDuty (`OTX_CSV`) format name; detected from the content when absent. */
  readonly format?: ListFormat | string;
  /** SHA-256 (hex) of the file's bytes; computed from `text` (UTF-8) when absent and `text` is a string. */
  readonly sha256?: string;
}

/** What loading one list produced. */
export interface IntelListReport {
  readonly name: string;
  readonly category: string;
  readonly kind: IntelKind;
  readonly format: ListFormat;
  readonly sha256?: string;
  /** Entries loaded (addresses and blocks plus domains), repeats included. */
  readonly entries: number;
  readonly ipEntries: number;
  readonly domainEntries: number;
  /** Valid records with nothing to match on (hashes, URLs, revoked indicators). */
  readonly ignored: number;
  /** Located issues (the first `maxIssues`). */
  readonly issues: readonly ListIssue[];
  readonly issueCount: number;
}

/** A loaded list, in the form the indexes need. */
class LoadedList implements IndexedList {
  constructor(
    readonly report: IntelListReport,
    readonly cidrs: CidrSet,
    readonly domains: readonly string[],
  ) {}

  matchFor(entry: string): IntelMatch {
    const { name, category, kind, sha256 } = this.report;
    return Object.freeze({ listName: name, category, kind, entry, ...(sha256 === undefined ? {} : { fileSha256: sha256 }) });
  }
}

const SCRATCH_V6 = new Uint32Array(4);

/** Collects lists, then builds an immutable {@link IntelRegistry}. */
export class IntelRegistryBuilder {
  private readonly lists: LoadedList[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly options: IntelRegistryOptions = {}) {}

  /**
   * Parses and indexes one list. Bad lines are issues in the returned report, not errors.
   * @throws IntelConfigError for an empty or duplicate name, an unknown kind, or (threat lists) an unknown
   *   category or format name.
   * @throws IntelFormatError when the file is unusable as a whole.
   */
  add(source: IntelListSource): IntelListReport {
    const { name, category, kind } = source;
    if (name.trim() === '') throw new IntelConfigError('a list needs a name');
    if (this.names.has(name)) throw new IntelConfigError(`list name ${JSON.stringify(name)} is used twice`);
    if (kind !== 'threat' && kind !== 'trusted') throw new IntelConfigError(`list ${JSON.stringify(name)}: kind must be "threat" or "trusted", not ${JSON.stringify(kind)}`);
    if (kind === 'threat' && !THREAT_CATEGORIES.has(category)) {
      throw new IntelConfigError(`list ${JSON.stringify(name)}: unknown category ${JSON.stringify(category)}; expected ${[...THREAT_CATEGORIES].join(', ')}`);
    }
    const format = source.format === undefined ? undefined : listFormatFromName(source.format);
    const parsed = parseList(source.text, {
      name,
      ...(format === undefined ? {} : { format }),
      ...(this.options.asOf === undefined ? {} : { asOf: this.options.asOf }),
      ...(this.options.maxIssues === undefined ? {} : { maxIssues: this.options.maxIssues }),
    });

    const cidrs = new CidrSetBuilder();
    for (const ip of parsed.ips) cidrs.add(ip);
    // The cross-list index hashes domains once for all lists; a list only keeps its distinct names.
    const domains = [...new Set(parsed.domains)];
    const sha256 = source.sha256 ?? (typeof source.text === 'string' ? createHash('sha256').update(source.text, 'utf8').digest('hex') : undefined);
    const report: IntelListReport = {
      name,
      category,
      kind,
      format: parsed.format,
      ...(sha256 === undefined ? {} : { sha256 }),
      entries: parsed.ips.length + parsed.domains.length,
      ipEntries: parsed.ips.length,
      domainEntries: parsed.domains.length,
      ignored: parsed.ignored,
      issues: parsed.issues,
      issueCount: parsed.issueCount,
    };
    this.names.add(name);
    this.lists.push(new LoadedList(report, cidrs.build(), domains));
    return report;
  }

  build(): IntelRegistry {
    return new IntelRegistry(this.lists.slice(), this.options.addressScope ?? 'public-or-documentation');
  }
}

/** The loaded lists behind the engine's intel port; immutable once built. */
export class IntelRegistry implements IntelLookup {
  private readonly threatIps: IpMatchIndex;
  private readonly trustedIps: IpMatchIndex;
  private readonly threatDomains: DomainMatchIndex;
  private readonly trustedDomains: DomainMatchIndex;

  /** @internal Use {@link IntelRegistryBuilder}. */
  constructor(
    private readonly loaded: readonly LoadedList[],
    readonly addressScope: AddressScope,
  ) {
    const threat = loaded.filter((l) => l.report.kind === 'threat');
    const trusted = loaded.filter((l) => l.report.kind === 'trusted');
    this.threatIps = IpMatchIndex.build(threat);
    this.trustedIps = IpMatchIndex.build(trusted);
    this.threatDomains = DomainMatchIndex.build(threat);
    this.trustedDomains = DomainMatchIndex.build(trusted);
  }

  /** What was loaded, list by list, in the order added. */
  get lists(): readonly IntelListReport[] {
    return this.loaded.map((l) => l.report);
  }

  matchIp(ip: string): readonly IntelMatch[] {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.inScope(classifyIpv4(v4)) ? this.threatIps.matchIpv4(v4) : NO_MATCHES;
    if (!parseIpv6Into(ip, SCRATCH_V6)) return NO_MATCHES;
    return this.inScope(classifyIpv6(SCRATCH_V6)) ? this.threatIps.matchIpv6(SCRATCH_V6) : NO_MATCHES;
  }

  matchDomain(domain: string): readonly IntelMatch[] {
    return this.threatDomains.match(domain);
  }

  isTrustedIp(ip: string): boolean {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.inScope(classifyIpv4(v4)) && this.trustedIps.hasIpv4(v4);
    if (!parseIpv6Into(ip, SCRATCH_V6)) return false;
    return this.inScope(classifyIpv6(SCRATCH_V6)) && this.trustedIps.hasIpv6(SCRATCH_V6);
  }

  /**
   * Whether the domain or a parent is on a trusted list. Not part of the engine's port: GuardDuty's trusted
   * lists do not silence DNS findings; this is for detectors or responders that choose to consult it.
   */
  isTrustedDomain(domain: string): boolean {
    return this.trustedDomains.has(domain);
  }

  private inScope(ipClass: IpClass): boolean {
    switch (this.addressScope) {
      case 'any':
        return ipClass !== 'invalid';
      case 'public':
        return ipClass === 'public';
      case 'public-or-documentation':
        return ipClass === 'public' || ipClass === 'documentation';
    }
  }
}
