/**
 * Offline geolocation and network-ownership data for the {@link GeoLookup} port (lambdas/intel/geo.ts).
 *
 * Bundled data (npm packages, frozen at their published version):
 * - country: `@ip-location-db/geo-whois-asn-country-mmdb` (MaxMind DB format, read with `maxmind`);
 * - ASN and organisation: `@ip-location-db/asn` (CSV ranges, IPv4 and IPv6).
 * Both are CC BY 4.0 and must be attributed (see {@link GEO_DATA_ATTRIBUTION}; docs/detectors.md carries
 * it). City names and coordinates need a city database the user supplies (`cityDatabase`: any MaxMind DB
 * with the GeoLite2-City/DB-IP City Lite layout); none is bundled because the free city databases carry
 * licence terms Vigil cannot pass on.
 *
 * Loading reads ~30 MB of CSV into typed arrays (about half a second, ~40 MB of memory), so it happens once
 * per process and, through {@link lazyGeoEnricher}, only when the first finding needs it.
 *
 * @example
 * const geo = await OfflineGeoData.load();
 * geo.lookup('8.8.8.8') // { countryCode: 'US', countryName: 'United States', asn: 15169, asnOrg: 'Google LLC' }
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import type { FindingEnricher } from '../engine/enrichment';
import type { Finding } from '../engine/finding';
import { countryName, needsGeolocation, RemoteIpEnricher, type GeoLookup, type GeoRecord } from '../intel/geo';
import { canonicalIp, isIpv4MappedWords, parseIpv4, parseIpv6Into } from '../intel/ip';

/** The attribution the bundled data's licences require, for READMEs, consoles and reports. */
export const GEO_DATA_ATTRIBUTION =
  'IP geolocation and ASN data: ip-location-db (https://github.com/sapics/ip-location-db), built from data by RouteViews ' +
  '(routeviews.org), the NRO and the five RIRs (nro.net) and DB-IP (https://db-ip.com, "IP Geolocation by DB-IP"), licensed CC BY 4.0.';

/** The geo data could not be read or is not in the expected format. */
export class GeoDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GeoDataError';
  }
}

export interface GeoDataOptions {
  /** Country MaxMind DB. @default the bundled geo-whois-asn-country.mmdb */
  readonly countryDatabase?: string;
  /** City MaxMind DB (GeoLite2-City layout). Adds city and coordinates, and wins for the country. */
  readonly cityDatabase?: string;
  /** IPv4 ASN ranges, numeric CSV (`start,end,asn,org`). @default the bundled asn-ipv4-num.csv */
  readonly asnIpv4Csv?: string;
  /** IPv6 ASN ranges, textual CSV (`start,end,asn,org`). @default the bundled asn-ipv6.csv */
  readonly asnIpv6Csv?: string;
  /** Load the ASN data at all. @default true */
  readonly asn?: boolean;
}

interface CountryRecord {
  readonly country_code?: string;
}

/** The GeoLite2-City fields Vigil reads. */
interface CityRecord {
  readonly city?: { readonly names?: Readonly<Record<string, string>> };
  readonly country?: { readonly iso_code?: string; readonly names?: Readonly<Record<string, string>> };
  readonly location?: { readonly latitude?: number; readonly longitude?: number };
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** The bundled files, resolved from node_modules. */
export function bundledGeoFiles(): { countryDatabase: string; asnIpv4Csv: string; asnIpv6Csv: string } {
  const country = packageDir('@ip-location-db/geo-whois-asn-country-mmdb');
  const asn = packageDir('@ip-location-db/asn');
  return {
    countryDatabase: join(country, 'geo-whois-asn-country.mmdb'),
    asnIpv4Csv: join(asn, 'asn-ipv4-num.csv'),
    asnIpv6Csv: join(asn, 'asn-ipv6.csv'),
  };
}

export class OfflineGeoData implements GeoLookup {
  private constructor(
    private readonly country: Reader<Response> | undefined,
    private readonly city: Reader<Response> | undefined,
    private readonly asnV4: AsnTable | undefined,
    private readonly asnV6: AsnTable | undefined,
  ) {}

  /**
   * Loads the data (bundled unless paths are given).
   * @throws GeoDataError when a file cannot be read or parsed.
   */
  static async load(options: GeoDataOptions = {}): Promise<OfflineGeoData> {
    const bundled = bundledGeoFiles();
    const [country, city, asnV4, asnV6] = await Promise.all([
      openMmdb(options.countryDatabase ?? bundled.countryDatabase),
      options.cityDatabase === undefined ? Promise.resolve(undefined) : openMmdb(options.cityDatabase),
      options.asn === false ? Promise.resolve(undefined) : loadAsnCsv(options.asnIpv4Csv ?? bundled.asnIpv4Csv, 4),
      options.asn === false ? Promise.resolve(undefined) : loadAsnCsv(options.asnIpv6Csv ?? bundled.asnIpv6Csv, 6),
    ]);
    return new OfflineGeoData(country, city, asnV4, asnV6);
  }

  lookup(address: string): GeoRecord | undefined {
    // A dual-stack socket's IPv4 peer (`::ffff:192.0.2.1`) is that IPv4 address in every database.
    const ip = address.includes(':') ? (canonicalIp(address) ?? address) : address;
    let countryCode: string | undefined;
    let cityName: string | undefined;
    let latitude: number | undefined;
    let longitude: number | undefined;
    let englishCountry: string | undefined;
    const cityRecord = this.get<CityRecord>(this.city, ip);
    if (cityRecord) {
      countryCode = cityRecord.country?.iso_code;
      englishCountry = cityRecord.country?.names?.en;
      cityName = cityRecord.city?.names?.en;
      latitude = cityRecord.location?.latitude;
      longitude = cityRecord.location?.longitude;
    }
    countryCode ??= this.get<CountryRecord>(this.country, ip)?.country_code;
    const asn = this.asnOf(ip);
    if (countryCode === undefined && cityName === undefined && asn === undefined) return undefined;
    const name = englishCountry ?? (countryCode ? countryName(countryCode) : undefined);
    return {
      ...(countryCode ? { countryCode } : {}),
      ...(name ? { countryName: name } : {}),
      ...(cityName ? { cityName } : {}),
      ...(latitude !== undefined && longitude !== undefined ? { latitude, longitude } : {}),
      ...(asn ? { asn: asn.asn, asnOrg: asn.org } : {}),
    };
  }

  private get<T>(reader: Reader<Response> | undefined, ip: string): T | undefined {
    if (reader === undefined) return undefined;
    try {
      return (reader.get(ip) as T | null) ?? undefined;
    } catch {
      // The reader throws on text that is not an address; the port answers "unknown" instead.
      return undefined;
    }
  }

  private asnOf(ip: string): { asn: number; org: string } | undefined {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.asnV4?.find(v4);
    if (!parseIpv6Into(ip, SCRATCH)) return undefined;
    if (isIpv4MappedWords(SCRATCH)) return this.asnV4?.find(SCRATCH[3]!);
    return this.asnV6?.find128(SCRATCH);
  }
}

const SCRATCH = new Uint32Array(4);

async function openMmdb(path: string): Promise<Reader<Response>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new GeoDataError(`cannot read geo database ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  try {
    return new Reader<Response>(bytes);
  } catch (cause) {
    throw new GeoDataError(`${path} is not a MaxMind DB file: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Sorted, non-overlapping address ranges with their AS: IPv4 ranges as one 32-bit word per bound, IPv6 as
 * four (big-endian). Organisation names repeat (one AS announces many ranges), so each is stored once.
 */
class AsnTable {
  constructor(
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    private readonly asns: Uint32Array,
    private readonly orgIndexes: Uint32Array,
    private readonly orgs: readonly string[],
    readonly size: number,
  ) {}

  /** IPv4 lookup. */
  find(address: number): { asn: number; org: string } | undefined {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || address > this.ends[found]!) return undefined;
    return this.entry(found);
  }

  /** IPv6 lookup (four big-endian 32-bit words). */
  find128(address: Uint32Array): { asn: number; org: string } | undefined {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare128(this.starts, mid * 4, address) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || compare128(this.ends, found * 4, address) < 0) return undefined;
    return this.entry(found);
  }

  private entry(index: number): { asn: number; org: string } {
    return { asn: this.asns[index]!, org: this.orgs[this.orgIndexes[index]!]! };
  }

  static build(rows: { starts: number[]; ends: number[]; asns: number[]; orgIndexes: number[] }, orgs: string[]): AsnTable {
    const size = rows.asns.length;
    return new AsnTable(Uint32Array.from(rows.starts), Uint32Array.from(rows.ends), Uint32Array.from(rows.asns), Uint32Array.from(rows.orgIndexes), orgs, size);
  }
}

/** Compares the 128-bit value at `words[offset…offset+3]` with `address`. */
function compare128(words: Uint32Array, offset: number, address: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    const a = words[offset + i]!;
    const b = address[i]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/**
 * Parses an ASN CSV: `start,end,asn,org` per line, the organisation possibly quoted (`"Cloudflare, Inc."`).
 * IPv4 files give numeric bounds; IPv6 files textual addresses. The parse walks the bytes (half a million
 * lines): numbers are read digit by digit and only organisation names become strings, once each.
 */
async function loadAsnCsv(path: string, version: 4 | 6): Promise<AsnTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new GeoDataError(`cannot read ASN data ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const rows = { starts: [] as number[], ends: [] as number[], asns: [] as number[], orgIndexes: [] as number[] };
  const orgs: string[] = [];
  const orgIds = new Map<string, number>();
  const words = new Uint32Array(4);
  let lineNumber = 0;
  let previousEnd = -1;
  const length = bytes.length;
  for (let pos = 0; pos < length; ) {
    // One pass over the line finds the first three commas and its end (Buffer.indexOf costs a native
    // call each; half a million lines make that the load time).
    const lineStart = pos;
    let c1 = -1;
    let c2 = -1;
    let c3 = -1;
    let eol = pos;
    for (; eol < length; eol++) {
      const b = bytes[eol]!;
      if (b === NEWLINE) break;
      if (b === COMMA && c3 < 0) {
        if (c1 < 0) c1 = eol;
        else if (c2 < 0) c2 = eol;
        else c3 = eol;
      }
    }
    const lineEnd = eol > lineStart && bytes[eol - 1] === CARRIAGE_RETURN ? eol - 1 : eol;
    pos = eol + 1;
    lineNumber++;
    if (lineEnd === lineStart) continue;
    if (c3 < 0 || c3 >= lineEnd) throw new GeoDataError(`${path}:${lineNumber}: expected start,end,asn,org`);
    const asn = readDecimal(bytes, c2 + 1, c3);
    if (asn < 0) throw new GeoDataError(`${path}:${lineNumber}: bad AS number`);
    if (version === 4) {
      let start = readDecimal(bytes, lineStart, c1);
      const end = readDecimal(bytes, c1 + 1, c2);
      if (start < 0 || end < 0 || start > end) throw new GeoDataError(`${path}:${lineNumber}: bad IPv4 range`);
      // The published data has a few ranges that overlap their predecessor (a known upstream bug): the
      // earlier row keeps the shared addresses, so the table stays sorted and disjoint for binary search.
      if (start <= previousEnd) start = previousEnd + 1;
      if (start > end) continue;
      previousEnd = end;
      rows.starts.push(start);
      rows.ends.push(end);
    } else {
      if (!parseIpv6Into(bytes.toString('latin1', lineStart, c1), words)) throw new GeoDataError(`${path}:${lineNumber}: bad IPv6 start address`);
      rows.starts.push(words[0]!, words[1]!, words[2]!, words[3]!);
      if (!parseIpv6Into(bytes.toString('latin1', c1 + 1, c2), words)) throw new GeoDataError(`${path}:${lineNumber}: bad IPv6 end address`);
      rows.ends.push(words[0]!, words[1]!, words[2]!, words[3]!);
    }
    const key = bytes.toString('latin1', c3 + 1, lineEnd);
    let orgId = orgIds.get(key);
    if (orgId === undefined) {
      orgId = orgs.length;
      orgs.push(decodeOrg(bytes, c3 + 1, lineEnd));
      orgIds.set(key, orgId);
    }
    rows.asns.push(asn);
    rows.orgIndexes.push(orgId);
  }
  if (rows.asns.length === 0) throw new GeoDataError(`${path}: no ranges`);
  return AsnTable.build(rows, orgs);
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** A non-negative decimal integer in `bytes[start, end)`, or -1. Bounds fit in a double exactly (< 2^53). */
function readDecimal(bytes: Buffer, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The organisation field as text: unquoted, `""` unescaped, decoded as UTF-8. */
function decodeOrg(bytes: Buffer, start: number, end: number): string {
  if (end - start >= 2 && bytes[start] === QUOTE && bytes[end - 1] === QUOTE) return bytes.toString('utf8', start + 1, end - 1).replace(/""/g, '"');
  return bytes.toString('utf8', start, end);
}

/**
 * A finding enricher that loads the geo data when the first finding with a public remote address arrives, so
 * runs without such findings never pay for it. A load failure is reported once through `onError` and enrichment is skipped from then
 * on: a missing location must not stop findings from being stored.
 */
export function lazyGeoEnricher(options: GeoDataOptions = {}, onError: (error: GeoDataError) => void = () => {}): FindingEnricher {
  let loading: Promise<RemoteIpEnricher | undefined> | undefined;
  return {
    async enrich(finding: Finding): Promise<Finding> {
      if (!needsGeolocation(finding)) return finding;
      loading ??= OfflineGeoData.load(options).then(
        (geo) => new RemoteIpEnricher(geo),
        (error: unknown) => {
          onError(error instanceof GeoDataError ? error : new GeoDataError('cannot load geo data', { cause: error }));
          return undefined;
        },
      );
      const enricher = await loading;
      return enricher === undefined ? finding : enricher.enrich(finding);
    },
  };
}
