/**
 * Where a remote address is and who runs it: country, city, coordinates and network (ASN) in a finding's
 * `remoteIpDetails`, as GuardDuty shows them.
 *
 * The data comes from offline databases behind the {@link GeoLookup} port (lambdas/adapters/geo-data.ts
 * loads the bundled country and ASN data, and a city database when one is given). This module decides
 * *which* addresses are looked up — only publicly routable ones: private, reserved and documentation
 * ranges have no location, and some databases answer for them anyway (TEST-NET-3 comes back as Australia)
 * — and writes the answers into every remote address of a finding: the network connection's, each port
 * probe's, and the API caller's.
 *
 * @example
 * const enricher = new RemoteIpEnricher(await loadOfflineGeoData());
 * new Engine({ …, enrichers: [inventory, enricher] });
 */
import type { FindingEnricher } from '../engine/enrichment';
import type { Finding, FindingAction, RemoteIpDetails } from '../engine/finding';
import { classifyIp } from './ip';

/** What the offline data knows about one address; every field is optional. */
export interface GeoRecord {
  /** ISO 3166-1 alpha-2. */
  readonly countryCode?: string;
  readonly countryName?: string;
  readonly cityName?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly asn?: number;
  /** The AS's registered organisation, e.g. `Google LLC`. */
  readonly asnOrg?: string;
}

/** Offline geolocation and network ownership. Synchronous: answers come from memory. */
export interface GeoLookup {
  /** Undefined when nothing is known (or the address is not one). */
  lookup(ip: string): GeoRecord | undefined;
}

/**
 * Whether an address may be looked up: publicly routable only. Documentation ranges are excluded even
 * though detectors treat them as internet addresses (they exist only in samples and tests).
 */
export function isGeolocatable(ip: string): boolean {
  return classifyIp(ip) === 'public';
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** English name of an ISO 3166-1 alpha-2 country code (`US` → `United States`), if the runtime knows it. */
export function countryName(code: string): string | undefined {
  try {
    return REGION_NAMES.of(code.toUpperCase()) ?? undefined;
  } catch {
    // Intl throws RangeError for codes that are not well-formed region subtags.
    return undefined;
  }
}

/** `remoteIpDetails` with what the lookup knows added (existing values are kept). */
export function withGeo(details: RemoteIpDetails, record: GeoRecord): RemoteIpDetails {
  const out: RemoteIpDetails = { ...details };
  const name = record.countryName ?? (record.countryCode ? countryName(record.countryCode) : undefined);
  if (record.countryCode || name) out.country ??= { ...(record.countryCode ? { countryCode: record.countryCode } : {}), ...(name ? { countryName: name } : {}) };
  if (record.cityName) out.city ??= { cityName: record.cityName };
  if (record.latitude !== undefined && record.longitude !== undefined) out.geoLocation ??= { lat: record.latitude, lon: record.longitude };
  if (record.asn !== undefined || record.asnOrg) {
    out.organization ??= {
      ...(record.asn !== undefined ? { asn: String(record.asn) } : {}),
      ...(record.asnOrg ? { asnOrg: record.asnOrg, isp: record.asnOrg, org: record.asnOrg } : {}),
    };
  }
  return out;
}

/**
 * Fills `remoteIpDetails` of findings from a {@link GeoLookup}. Findings without a public remote address
 * are returned unchanged (same object).
 */
export class RemoteIpEnricher implements FindingEnricher {
  constructor(private readonly geo: GeoLookup) {}

  enrich(finding: Finding): Finding {
    const action = finding.service.action;
    const enriched = this.enrichAction(action);
    return enriched === action ? finding : { ...finding, service: { ...finding.service, action: enriched } };
  }

  private enrichAction(action: FindingAction): FindingAction {
    const connection = action.networkConnectionAction;
    if (connection?.remoteIpDetails) {
      const details = this.details(connection.remoteIpDetails);
      return details === connection.remoteIpDetails ? action : { ...action, networkConnectionAction: { ...connection, remoteIpDetails: details } };
    }
    const probe = action.portProbeAction;
    if (probe?.portProbeDetails) {
      let changed = false;
      const probes = probe.portProbeDetails.map((p) => {
        if (!p.remoteIpDetails) return p;
        const details = this.details(p.remoteIpDetails);
        if (details === p.remoteIpDetails) return p;
        changed = true;
        return { ...p, remoteIpDetails: details };
      });
      return changed ? { ...action, portProbeAction: { ...probe, portProbeDetails: probes } } : action;
    }
    const apiCall = action.awsApiCallAction;
    if (apiCall?.remoteIpDetails) {
      const details = this.details(apiCall.remoteIpDetails);
      return details === apiCall.remoteIpDetails ? action : { ...action, awsApiCallAction: { ...apiCall, remoteIpDetails: details } };
    }
    return action;
  }

  private details(details: RemoteIpDetails): RemoteIpDetails {
    const ip = details.ipAddressV4 ?? details.ipAddressV6;
    if (ip === undefined || !isGeolocatable(ip)) return details;
    const record = this.geo.lookup(ip);
    return record === undefined ? details : withGeo(details, record);
  }
}

/**
 * Whether any remote address of the finding can be geolocated (a public address, not a private, reserved or
 * documentation one): enrichment, and loading the data behind it, is only worth it then.
 */
export function needsGeolocation(finding: Finding): boolean {
  const action = finding.service.action;
  const candidates = [
    action.networkConnectionAction?.remoteIpDetails,
    action.awsApiCallAction?.remoteIpDetails,
    ...(action.portProbeAction?.portProbeDetails ?? []).map((p) => p.remoteIpDetails),
  ];
  return candidates.some((details) => {
    const ip = details?.ipAddressV4 ?? details?.ipAddressV6;
    return ip !== undefined && isGeolocatable(ip);
  });
}
