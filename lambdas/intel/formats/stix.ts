/**
 * STIX 2.x JSON (GuardDuty's `STIX`): a bundle (`{"type":"bundle","objects":[…]}`), a bare array of objects or
 * a single indicator. Only `indicator` objects are read; their pattern is split into alternatives (see
 * {@link analyzeStixPattern}) and every alternative that is a single comparison on an address or domain
 * becomes an entry:
 *
 * - `[ipv4-addr:value = '198.51.100.7']`, `[ipv6-addr:value = '2001:db8::1']`, CIDR values, `ISSUBSET` and
 *   `IN ('…', '…')`;
 * - `[domain-name:value = 'evil.example']` and `IN`;
 * - any of these joined by OR, inside or between observation brackets.
 *
 * An alternative that combines conditions (`… AND network-traffic:dst_port = 443`, FOLLOWEDBY, REPEATS) or
 * compares an address with another operator (LIKE, MATCHES, NOT, !=) would match more than the indicator
 * says if it became an entry: it is reported as `unsupported-pattern` and the indicator's other alternatives
 * are kept. Revoked indicators, indicators expired at `asOf`, non-STIX pattern types and indicators about
 * other things (file hashes, URLs) are counted as ignored.
 */
import { IntelFormatError } from '../errors';
import type { ListCollector } from './common';
import { analyzeStixPattern, StixPatternError } from './stix-pattern';

/** Options of {@link readStixBundle}. */
export interface StixReadOptions {
  /**
   * Event time (ms since the epoch) at which the list is used: indicators whose `valid_until` is not after it
   * are ignored. Without it, validity windows are not checked (pure code has no clock of its own).
   */
  readonly asOf?: number;
}

const ADDRESS_OBJECTS = new Set(['ipv4-addr', 'ipv6-addr']);
const DOMAIN_OBJECT = 'domain-name';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNetworkObject(objectType: string): boolean {
  return ADDRESS_OBJECTS.has(objectType) || objectType === DOMAIN_OBJECT;
}

/** The objects of a STIX document, or an error explaining why the document is not one. */
function objectsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (isRecord(document)) {
    if (document.type === 'indicator') return [document];
    if (document.type === 'bundle') {
      if (document.objects === undefined) return [];
      if (Array.isArray(document.objects)) return document.objects;
      throw new IntelFormatError('STIX bundle "objects" is not an array', { format: 'stix' });
    }
  }
  throw new IntelFormatError('not a STIX document: expected a bundle, an array of objects or an indicator', { format: 'stix' });
}

/**
 * @throws IntelFormatError when the text is not JSON or not a STIX document; problems inside single
 *   indicators are issues.
 */
export function readStixBundle(text: string, collector: ListCollector, options: StixReadOptions = {}): void {
  let document: unknown;
  try {
    document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new IntelFormatError(`STIX list is not valid JSON: ${(cause as Error).message}`, { cause, format: 'stix' });
  }
  objectsOf(document).forEach((object, index) => readObject(object, index, collector, options));
}

function readObject(object: unknown, index: number, collector: ListCollector, options: StixReadOptions): void {
  const where = { index };
  if (!isRecord(object)) {
    collector.issue('malformed-record', 'STIX object is not a JSON object', where, JSON.stringify(object) ?? '');
    return;
  }
  if (object.type !== 'indicator') return;
  const label = typeof object.id === 'string' ? object.id : `indicator #${index}`;
  if (object.revoked === true || (object.pattern_type !== undefined && object.pattern_type !== 'stix')) {
    collector.ignored++;
    return;
  }
  if (options.asOf !== undefined && typeof object.valid_until === 'string' && Date.parse(object.valid_until) <= options.asOf) {
    collector.ignored++;
    return;
  }
  const pattern = object.pattern;
  if (typeof pattern !== 'string') {
    collector.issue('malformed-record', `${label} has no pattern`, where);
    return;
  }
  let analysis;
  try {
    analysis = analyzeStixPattern(pattern);
  } catch (error) {
    if (!(error instanceof StixPatternError)) throw error;
    collector.issue('malformed-record', `${label}: invalid STIX pattern: ${error.message}`, where, pattern);
    return;
  }
  let aboutNetwork = false;
  for (const comparison of analysis.comparisons) {
    const { objectType, property, operator, negated, values } = comparison;
    if (!isNetworkObject(objectType)) continue;
    aboutNetwork = true;
    const isAddress = ADDRESS_OBJECTS.has(objectType);
    const usable = property === 'value' && !negated && (operator === '=' || operator === 'IN' || (isAddress && operator === 'ISSUBSET'));
    if (!usable) {
      collector.issue('unsupported-pattern', `${label}: ${objectType}:${property} ${negated ? 'NOT ' : ''}${operator} cannot become a list entry`, where, pattern);
      continue;
    }
    for (const value of values) {
      if (value.kind !== 'string') collector.issue('invalid-entry', `${label}: ${objectType} value must be a string, found ${value.raw}`, where, pattern);
      else if (isAddress) collector.addIpValue(value.value, where, pattern);
      else collector.addDomainValue(value.value, where, pattern);
    }
  }
  for (const compound of analysis.compound) {
    if (!compound.objectTypes.some(isNetworkObject)) continue;
    aboutNetwork = true;
    collector.issue('unsupported-pattern', `${label}: an alternative combining several conditions (AND, FOLLOWEDBY or a qualifier) cannot become a list entry`, where, pattern);
  }
  if (!aboutNetwork) collector.ignored++;
}
