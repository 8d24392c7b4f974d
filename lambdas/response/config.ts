/**
 * The response configuration: which findings act, for how long, what is never blocked, and how each target
 * (WAF, NACL) behaves. It reaches the respond and expiry Lambdas as JSON in `VIGIL_RESPONSE_CONFIG` and the
 * CLI as a file; {@link parseResponseConfig} validates it once, at start-up, and fills the defaults.
 *
 * Every target starts in `dry-run`: Vigil decides and records, and changes nothing, until a target is set to
 * `enforce`.
 *
 * @example
 * const config = parseResponseConfig({
 *   minSeverity: 'medium',
 *   allowList: ['203.0.113.0/24'],
 *   waf: { mode: 'enforce', ipSets: [{ scope: 'REGIONAL', name: 'vigil-v4', id: 'a1b2', version: 'IPV4' }] },
 *   nacl: { mode: 'dry-run', findingSubnets: true },
 * });
 */
import { parseSeverity, type ResourceRole } from '../engine/finding';
import { canonicalCidr } from './addresses';
import type { IpSetRef, ResponseMode, WafScope } from './block';
import { ResponseConfigError } from './errors';

/** How long a block lasts, by the severity level of the finding that asked for it (ms). */
export interface TtlBySeverity {
  readonly low: number;
  readonly medium: number;
  readonly high: number;
  readonly critical: number;
}

export interface WafTargetConfig {
  readonly mode: ResponseMode;
  /** The IP sets blocks go to: one per scope and address family the web ACLs need. */
  readonly ipSets: readonly IpSetRef[];
  /** Addresses one IP set may hold; WAF's limit is 10,000. Oldest blocks are evicted first. */
  readonly capacity: number;
}

export interface NaclTargetConfig {
  readonly mode: ResponseMode;
  /** NACLs that receive every NACL block, whatever the finding's subnet. */
  readonly naclIds: readonly string[];
  /** Also block on the NACLs of the subnets named in the finding's instance details. */
  readonly findingSubnets: boolean;
  /** With `findingSubnets`, only NACLs in these VPCs are changed (empty: any VPC the role may change). */
  readonly vpcIds: readonly string[];
  /** Rule numbers Vigil may use for its deny entries; keep them below your allow rules. */
  readonly ruleRange: { readonly first: number; readonly last: number };
  /** Entries per NACL, per direction, per address family (AWS: 20 by default, up to 40), default rule included. */
  readonly rulesPerNacl: number;
}

export interface ResponseConfig {
  /** Finding types that act: exact names, or prefixes ending in `*`. Empty: every type that names an address. */
  readonly findingTypes: readonly string[];
  /** Finding types that never act, same syntax; wins over `findingTypes`. */
  readonly excludeFindingTypes: readonly string[];
  readonly minSeverity: number;
  /** Act on findings where the resource is the target, the actor, or both. */
  readonly resourceRoles: readonly ResourceRole[];
  readonly ttl: TtlBySeverity;
  /** Repeated findings extend a block, but never beyond this long after it was first made (ms). */
  readonly maxBlockDuration: number;
  /** CIDRs never blocked, whatever the finding (partners, office egress, monitoring). Canonical form. */
  readonly allowList: readonly string[];
  /** The account's own public CIDRs (Elastic IPs, NAT gateways): never blocked. Canonical form. */
  readonly ownAddresses: readonly string[];
  /** Private or reserved CIDRs that may nevertheless be blocked (e.g. a peered network). Canonical form. */
  readonly blockableNonPublic: readonly string[];
  readonly waf: WafTargetConfig;
  readonly nacl: NaclTargetConfig;
}

export const WAF_IP_SET_LIMIT = 10_000;
/** AWS's NACL rule numbers: 1–32766 (32767 and 32768 are the default rules). */
export const NACL_RULE_MIN = 1;
export const NACL_RULE_MAX = 32_766;
export const NACL_DEFAULT_QUOTA = 20;
export const NACL_MAX_QUOTA = 40;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const DEFAULT_RESPONSE_CONFIG: ResponseConfig = {
  findingTypes: [],
  excludeFindingTypes: [],
  minSeverity: 7,
  resourceRoles: ['TARGET', 'ACTOR'],
  ttl: { low: HOUR, medium: 6 * HOUR, high: DAY, critical: 7 * DAY },
  maxBlockDuration: 30 * DAY,
  allowList: [],
  ownAddresses: [],
  blockableNonPublic: [],
  waf: { mode: 'dry-run', ipSets: [], capacity: WAF_IP_SET_LIMIT },
  nacl: {
    mode: 'dry-run',
    naclIds: [],
    findingSubnets: true,
    vpcIds: [],
    ruleRange: { first: 1, last: 99 },
    rulesPerNacl: NACL_DEFAULT_QUOTA,
  },
};

/**
 * Validates a response configuration (parsed JSON) and fills in defaults.
 * Durations are seconds (number) or strings such as `90s`, `30m`, `6h`, `7d`.
 * @throws ResponseConfigError naming the offending setting.
 */
export function parseResponseConfig(input: unknown): ResponseConfig {
  if (input === undefined || input === null) return DEFAULT_RESPONSE_CONFIG;
  const root = record(input, '(root)');
  const d = DEFAULT_RESPONSE_CONFIG;
  known(root, '(root)', ['findingTypes', 'excludeFindingTypes', 'minSeverity', 'resourceRoles', 'ttl', 'maxBlockDuration', 'allowList', 'ownAddresses', 'blockableNonPublic', 'waf', 'nacl']);

  const ttlIn = root.ttl === undefined ? {} : record(root.ttl, 'ttl');
  known(ttlIn, 'ttl', ['low', 'medium', 'high', 'critical']);
  const ttl: TtlBySeverity = {
    low: optionalDuration(ttlIn.low, 'ttl.low') ?? d.ttl.low,
    medium: optionalDuration(ttlIn.medium, 'ttl.medium') ?? d.ttl.medium,
    high: optionalDuration(ttlIn.high, 'ttl.high') ?? d.ttl.high,
    critical: optionalDuration(ttlIn.critical, 'ttl.critical') ?? d.ttl.critical,
  };
  const maxBlockDuration = optionalDuration(root.maxBlockDuration, 'maxBlockDuration') ?? d.maxBlockDuration;
  const longestTtl = Math.max(ttl.low, ttl.medium, ttl.high, ttl.critical);
  if (maxBlockDuration < longestTtl) {
    throw new ResponseConfigError('maxBlockDuration', 'must be at least as long as the longest ttl');
  }

  return {
    findingTypes: typePatterns(root.findingTypes, 'findingTypes'),
    excludeFindingTypes: typePatterns(root.excludeFindingTypes, 'excludeFindingTypes'),
    minSeverity: severityOf(root.minSeverity, 'minSeverity') ?? d.minSeverity,
    resourceRoles: roles(root.resourceRoles),
    ttl,
    maxBlockDuration,
    allowList: cidrs(root.allowList, 'allowList'),
    ownAddresses: cidrs(root.ownAddresses, 'ownAddresses'),
    blockableNonPublic: cidrs(root.blockableNonPublic, 'blockableNonPublic'),
    waf: wafConfig(root.waf),
    nacl: naclConfig(root.nacl),
  };
}

/** Whether a finding type is selected by the configuration's type patterns. */
export function findingTypeSelected(config: Pick<ResponseConfig, 'findingTypes' | 'excludeFindingTypes'>, type: string): boolean {
  if (config.excludeFindingTypes.some((p) => typeMatches(p, type))) return false;
  return config.findingTypes.length === 0 || config.findingTypes.some((p) => typeMatches(p, type));
}

function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

function wafConfig(input: unknown): WafTargetConfig {
  const d = DEFAULT_RESPONSE_CONFIG.waf;
  if (input === undefined) return d;
  const w = record(input, 'waf');
  known(w, 'waf', ['mode', 'ipSets', 'capacity']);
  const capacity = optionalInteger(w.capacity, 'waf.capacity', 1, WAF_IP_SET_LIMIT) ?? d.capacity;
  const ipSets = w.ipSets === undefined ? [] : array(w.ipSets, 'waf.ipSets').map((s, i) => ipSetRef(s, `waf.ipSets[${i}]`));
  const seen = new Set<string>();
  for (const s of ipSets) {
    const key = `${s.scope}:${s.id}`;
    if (seen.has(key)) throw new ResponseConfigError('waf.ipSets', `IP set ${s.name} (${key}) is listed twice`);
    seen.add(key);
  }
  return { mode: mode(w.mode, 'waf.mode') ?? d.mode, ipSets, capacity };
}

function ipSetRef(input: unknown, path: string): IpSetRef {
  const s = record(input, path);
  known(s, path, ['scope', 'name', 'id', 'version', 'arn']);
  const scope = s.scope;
  if (scope !== 'REGIONAL' && scope !== 'CLOUDFRONT') throw new ResponseConfigError(`${path}.scope`, 'must be REGIONAL or CLOUDFRONT');
  const version = s.version;
  if (version !== 'IPV4' && version !== 'IPV6') throw new ResponseConfigError(`${path}.version`, 'must be IPV4 or IPV6');
  const name = nonEmptyString(s.name, `${path}.name`);
  const id = nonEmptyString(s.id, `${path}.id`);
  const arn = s.arn === undefined ? undefined : nonEmptyString(s.arn, `${path}.arn`);
  return { scope: scope as WafScope, name, id, version, ...(arn ? { arn } : {}) };
}

function naclConfig(input: unknown): NaclTargetConfig {
  const d = DEFAULT_RESPONSE_CONFIG.nacl;
  if (input === undefined) return d;
  const n = record(input, 'nacl');
  known(n, 'nacl', ['mode', 'naclIds', 'findingSubnets', 'vpcIds', 'ruleRange', 'rulesPerNacl']);
  const naclIds = stringList(n.naclIds, 'nacl.naclIds', /^acl-[0-9a-f]+$/);
  const vpcIds = stringList(n.vpcIds, 'nacl.vpcIds', /^vpc-[0-9a-f]+$/);
  if (n.findingSubnets !== undefined && typeof n.findingSubnets !== 'boolean') {
    throw new ResponseConfigError('nacl.findingSubnets', 'must be true or false');
  }
  let ruleRange = d.ruleRange;
  if (n.ruleRange !== undefined) {
    const r = record(n.ruleRange, 'nacl.ruleRange');
    known(r, 'nacl.ruleRange', ['first', 'last']);
    const first = optionalInteger(r.first, 'nacl.ruleRange.first', NACL_RULE_MIN, NACL_RULE_MAX) ?? d.ruleRange.first;
    const last = optionalInteger(r.last, 'nacl.ruleRange.last', NACL_RULE_MIN, NACL_RULE_MAX) ?? d.ruleRange.last;
    if (last < first) throw new ResponseConfigError('nacl.ruleRange', `last (${last}) is below first (${first})`);
    ruleRange = { first, last };
  }
  return {
    mode: mode(n.mode, 'nacl.mode') ?? d.mode,
    naclIds,
    findingSubnets: typeof n.findingSubnets === 'boolean' ? n.findingSubnets : d.findingSubnets,
    vpcIds,
    ruleRange,
    rulesPerNacl: optionalInteger(n.rulesPerNacl, 'nacl.rulesPerNacl', 2, NACL_MAX_QUOTA) ?? d.rulesPerNacl,
  };
}

/**
 * Parses a duration: seconds as a number, or a string of digits with a unit (`s`, `m`, `h`, `d`).
 * @returns milliseconds, or undefined when the text is not a duration.
 * @example parseDuration('6h') // 21_600_000
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = n * { s: 1000, m: 60_000, h: HOUR, d: DAY }[unit as 's' | 'm' | 'h' | 'd'];
  return ms > 0 ? Math.round(ms) : undefined;
}

function optionalDuration(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new ResponseConfigError(path, `${JSON.stringify(value)} is not a duration (seconds, or e.g. "30m", "6h", "7d")`);
  return ms;
}

function severityOf(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? parseSeverity(value) : undefined;
  if (n === undefined || !Number.isFinite(n) || n < 0 || n > 10) {
    throw new ResponseConfigError(path, 'must be 0–10 or a level (low, medium, high, critical)');
  }
  return n;
}

function roles(value: unknown): ResourceRole[] {
  if (value === undefined) return [...DEFAULT_RESPONSE_CONFIG.resourceRoles];
  const list = array(value, 'resourceRoles');
  if (list.length === 0) throw new ResponseConfigError('resourceRoles', 'must name TARGET, ACTOR or both');
  return list.map((r, i) => {
    if (r !== 'TARGET' && r !== 'ACTOR') throw new ResponseConfigError(`resourceRoles[${i}]`, 'must be TARGET or ACTOR');
    return r;
  });
}

function typePatterns(value: unknown, path: string): string[] {
  return stringList(value, path, /^[A-Za-z0-9:/._!&*-]+$/);
}

function cidrs(value: unknown, path: string): string[] {
  return stringList(value, path).map((c, i) => {
    const canonical = canonicalCidr(c);
    if (canonical === undefined) throw new ResponseConfigError(`${path}[${i}]`, `${JSON.stringify(c)} is not an IP address or CIDR`);
    return canonical;
  });
}

function mode(value: unknown, path: string): ResponseMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'off' || value === 'dry-run' || value === 'enforce') return value;
  throw new ResponseConfigError(path, 'must be off, dry-run or enforce');
}

function optionalInteger(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ResponseConfigError(path, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function stringList(value: unknown, path: string, shape?: RegExp): string[] {
  if (value === undefined) return [];
  return array(value, path).map((v, i) => {
    if (typeof v !== 'string' || v.trim() === '') throw new ResponseConfigError(`${path}[${i}]`, 'must be a non-empty string');
    if (shape && !shape.test(v.trim())) throw new ResponseConfigError(`${path}[${i}]`, `${JSON.stringify(v)} is malformed`);
    return v.trim();
  });
}

function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ResponseConfigError(path, 'must be a non-empty string');
  return value.trim();
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ResponseConfigError(path, 'must be a list');
  return value;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseConfigError(path, 'must be an object');
  return value as Record<string, unknown>;
}

/** Unknown keys are typos more often than not; failing loudly beats silently ignoring `allowlist`. */
function known(obj: Record<string, unknown>, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) throw new ResponseConfigError(path === '(root)' ? k : `${path}.${k}`, `unknown setting (expected one of ${keys.join(', ')})`);
  }
}
