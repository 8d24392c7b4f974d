/**
 * Route 53 Resolver query log entries to {@link DnsQueryEvent}s.
 *
 * Entries are JSON objects (one per line in S3 files, one per message in CloudWatch Logs). The query name
 * is normalised (lower case, no trailing dot) so detectors and threat lists compare names directly; the
 * string `srcport` becomes a number; `answers[{Rdata,Type,Class}]` becomes `[{rdata,type,class}]`.
 */
import type { DnsAnswer, DnsQueryEvent, EventOrigin } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import { RecordShapeError } from './errors';
import { excerptOfValue } from './excerpt';
import { isJsonObject, jsonTypeOf, optionalArray, optionalObject, optionalString, presentString, requiredString, requiredTime, type JsonObject } from './json-fields';
import { eventResult, issueResult } from './results';

/**
 * Parses one resolver query log entry. Never throws: an entry without `query_timestamp`, `query_name` or
 * `query_type`, or with a field of the wrong type, becomes an `invalid-record` issue.
 *
 * @example
 * parseResolverQuery(JSON.parse(line), { input: 'dns.log', line: 3 })
 * // → { ok: true, event: { queryName: 'xk2j3h4.badexample.net', srcPort: 40123, … } }
 */
export function parseResolverQuery(value: unknown, origin: EventOrigin): ParseResult<DnsQueryEvent> {
  if (!isJsonObject(value)) {
    return issueResult('invalid-record', `a resolver query log entry must be a JSON object, got ${jsonTypeOf(value)}`, origin, 'dns', excerptOfValue(value));
  }
  try {
    return eventResult(toDnsQueryEvent(value, origin));
  } catch (error) {
    const message = error instanceof RecordShapeError ? error.message : `entry could not be read: ${String(error)}`;
    return issueResult('invalid-record', message, origin, 'dns', excerptOfValue(value));
  }
}

/**
 * Lower-cases a DNS name and drops one trailing dot (`Example.COM.` → `example.com`; the root `.` → `''`).
 */
export function normalizeQueryName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.toLowerCase();
}

function toDnsQueryEvent(entry: JsonObject, origin: EventOrigin): DnsQueryEvent {
  const time = requiredTime(entry, 'query_timestamp');
  const queryName = normalizeQueryName(requiredString(entry, 'query_name'));
  const queryType = requiredString(entry, 'query_type');
  const srcids = optionalObject(entry, 'srcids');
  return {
    source: 'dns',
    time,
    accountId: optionalString(entry, 'account_id'),
    region: optionalString(entry, 'region'),
    vpcId: optionalString(entry, 'vpc_id'),
    queryName,
    queryType,
    rcode: optionalString(entry, 'rcode'),
    answers: toAnswers(optionalArray(entry, 'answers')),
    srcAddr: optionalString(entry, 'srcaddr'),
    srcPort: toPort(entry.srcport),
    transport: optionalString(entry, 'transport'),
    instanceId: srcids && optionalString(srcids, 'instance', 'srcids.instance'),
    firewallRuleAction: optionalString(entry, 'firewall_rule_action'),
    origin,
  };
}

const NO_ANSWERS: readonly DnsAnswer[] = [];

function toAnswers(answers: readonly unknown[] | undefined): readonly DnsAnswer[] {
  if (answers === undefined || answers.length === 0) return NO_ANSWERS;
  return answers.map((answer, i) => {
    const path = `answers[${i}]`;
    if (!isJsonObject(answer)) throw new RecordShapeError(path, `${path} must be an object, got ${jsonTypeOf(answer)}`);
    const cls = optionalString(answer, 'Class', `${path}.Class`);
    const rdata = presentString(answer, 'Rdata', `${path}.Rdata`);
    const type = requiredString(answer, 'Type', `${path}.Type`);
    return cls === undefined ? { rdata, type } : { rdata, type, class: cls };
  });
}

/** `srcport` is logged as a string ("56067"); a number is accepted too. */
function toPort(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RecordShapeError('srcport', `srcport must be a port number, got ${JSON.stringify(value)?.slice(0, 40) ?? jsonTypeOf(value)}`);
  }
  return port;
}
