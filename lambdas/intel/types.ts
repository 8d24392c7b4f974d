/**
 * The intelligence port: what detectors may ask about an address or a domain.
 *
 * Lists come in two kinds. *Threat* entries raise findings (custom threat lists, categorized feeds such as
 * `c2` or `tor-exit`); *trusted* entries suppress them (GuardDuty's trusted IP list). Implementations
 * answer in well under a microsecond for lists of hundreds of thousands of entries, because detectors ask
 * for every event.
 */

export type IntelKind = 'threat' | 'trusted';

/** The category of a custom threat list given with `--threat-list` (GuardDuty's ThreatIntelSet). */
export const CUSTOM_CATEGORY = 'custom';

/** One list that an address or domain was found on. */
export interface IntelMatch {
  /** The list's name, as it appears in `service.additionalInfo.threatListName`. */
  readonly listName: string;
  /** `custom` for a threat list; otherwise the feed category (`c2`, `tor-exit`, …). */
  readonly category: string;
  readonly kind: IntelKind;
  /** The list entry that matched: the IP, the CIDR, or the domain (a parent of the queried name). */
  readonly entry: string;
  /** SHA-256 of the list file, as GuardDuty's `threatFileSha256`. */
  readonly fileSha256?: string;
}

export interface IntelLookup {
  /** Threat lists and feeds that contain this address (IPv4 or IPv6). Empty when none does or it is not an IP. */
  matchIp(ip: string): readonly IntelMatch[];
  /** Threat lists and feeds that contain this domain or one of its parent domains. */
  matchDomain(domain: string): readonly IntelMatch[];
  /** Whether the address is on a trusted list. */
  isTrustedIp(ip: string): boolean;
}

/** An intel lookup that knows nothing: the default when no list is loaded. */
export const NO_INTEL: IntelLookup = {
  matchIp: () => [],
  matchDomain: () => [],
  isTrustedIp: () => false,
};
