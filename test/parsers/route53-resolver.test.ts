import { normalizeQueryName, parseResolverQuery } from '../../lambdas/parsers';
import type { DnsQueryEvent } from '../../lambdas/engine/events';
import type { ParseResult } from '../../lambdas/engine/issues';
import { fixture } from './helpers';

type Json = Record<string, any>;
const ENTRIES = fixture('dns/resolver-queries.jsonl')
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Json);
const origin = { input: 'dns.log', line: 1 };

function eventOf(result: ParseResult<DnsQueryEvent>): DnsQueryEvent {
  if (!result.ok) throw new Error(`expected an event, got ${result.issue.reason}: ${result.issue.message}`);
  return result.event;
}

function messageOf(result: ParseResult<DnsQueryEvent>): string {
  if (result.ok) throw new Error('expected an issue');
  expect(result.issue.reason).toBe('invalid-record');
  expect(result.issue.source).toBe('dns');
  return result.issue.message;
}

describe('parseResolverQuery', () => {
  it('maps an NXDOMAIN TXT query to an event with the name normalised and srcport as a number', () => {
    expect(eventOf(parseResolverQuery(ENTRIES[0], origin))).toEqual({
      source: 'dns',
      time: Date.parse('2025-01-01T10:00:00Z'),
      accountId: '111122223333',
      region: 'us-east-1',
      vpcId: 'vpc-0abc1234',
      queryName: 'xk2j3h4.badexample.net',
      queryType: 'TXT',
      rcode: 'NXDOMAIN',
      answers: [],
      srcAddr: '10.0.1.15',
      srcPort: 40123,
      transport: 'UDP',
      instanceId: 'i-0abc1234def567890',
      firewallRuleAction: undefined,
      origin,
    });
  });

  it('lower-cases the query name and maps answers to {rdata, type, class}', () => {
    const event = eventOf(parseResolverQuery(ENTRIES[1], origin));
    expect(event.queryName).toBe('www.example.com');
    expect(event.answers).toEqual([
      { rdata: 'www.example.com.cdn.example.net.', type: 'CNAME', class: 'IN' },
      { rdata: '192.0.2.44', type: 'A', class: 'IN' },
    ]);
  });

  it('keeps the DNS Firewall action of a blocked query', () => {
    expect(eventOf(parseResolverQuery(ENTRIES[2], origin)).firewallRuleAction).toBe('BLOCK');
  });

  it('has no instance id for a query from a resolver endpoint', () => {
    expect(eventOf(parseResolverQuery(ENTRIES[3], origin)).instanceId).toBeUndefined();
  });

  it('accepts a numeric srcport and an answer without Class', () => {
    const event = eventOf(parseResolverQuery({ ...ENTRIES[1], srcport: 53, answers: [{ Rdata: '192.0.2.1', Type: 'A' }] }, origin));
    expect(event.srcPort).toBe(53);
    expect(event.answers).toEqual([{ rdata: '192.0.2.1', type: 'A' }]);
  });

  it('reads entries that carry only the required fields', () => {
    const event = eventOf(parseResolverQuery({ query_timestamp: '2025-01-01T10:00:00Z', query_name: 'a.example.', query_type: 'A' }, origin));
    expect(event).toMatchObject({ queryName: 'a.example', answers: [], srcPort: undefined, accountId: undefined });
  });

  it.each([
    ['query_timestamp', 'query_timestamp is missing'],
    ['query_name', 'query_name is missing'],
    ['query_type', 'query_type is missing'],
  ])('rejects an entry without %s', (field, message) => {
    const entry = { ...ENTRIES[0] };
    delete entry[field];
    expect(messageOf(parseResolverQuery(entry, origin))).toBe(message);
  });

  it.each([
    [{ srcport: 'http' }, /srcport must be a port number/],
    [{ srcport: '70000' }, /srcport must be a port number/],
    [{ answers: 'none' }, /answers must be an array/],
    [{ answers: [{ Type: 'A' }] }, /answers\[0\]\.Rdata is missing/],
    [{ answers: [42] }, /answers\[0\] must be an object/],
    [{ srcids: 'i-1' }, /srcids must be an object/],
    [{ query_name: ['a'] }, /query_name must be a string, got array/],
    [{ query_timestamp: 'yesterday' }, /query_timestamp is not a timestamp/],
  ])('rejects a wrongly typed entry (%p)', (change, message) => {
    expect(messageOf(parseResolverQuery({ ...ENTRIES[0], ...change }, origin))).toMatch(message);
  });

  it.each([null, 1, 'text', [ENTRIES[0]]])('turns a non-object (%p) into invalid-record', (value) => {
    expect(messageOf(parseResolverQuery(value, origin))).toMatch(/must be a JSON object/);
  });
});

describe('normalizeQueryName', () => {
  it.each([
    ['Example.COM.', 'example.com'],
    ['example.com', 'example.com'],
    ['.', ''],
    ['a..', 'a.'],
  ])('turns %p into %p', (input, expected) => {
    expect(normalizeQueryName(input)).toBe(expected);
  });
});
