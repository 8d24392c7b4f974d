/**
 * Property-based tests: no parser throws on arbitrary or mangled input, a single damaged record costs at
 * most that record, and valid records round-trip into events field for field.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import {
  DEFAULT_FLOW_LAYOUT,
  parseCloudTrailRecord,
  parseCloudWatchLogsPayload,
  parseEventBridgeCloudTrail,
  parseFlowLine,
  parseLogStream,
  parseResolverQuery,
  type ParseSummary,
} from '../../lambdas/parsers';
import type { ParseResult } from '../../lambdas/engine/issues';
import { drain, eventsOf, inPieces } from './helpers';

const RUNS = { numRuns: 150 };
const FLOW_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Counts in the summary agree with the results, and every record ends as an event, a skip or an issue. */
function expectConsistent(results: readonly ParseResult[], summary: ParseSummary): void {
  const events = results.filter((r) => r.ok).length;
  expect(summary.events).toBe(events);
  expect(summary.issues).toBe(results.length - events);
  expect(summary.records).toBeGreaterThanOrEqual(summary.events + summary.skipped);
  expect(summary.records - summary.events - summary.skipped).toBeLessThanOrEqual(summary.issues);
}

// --- generators ------------------------------------------------------------------------------------------

const timestamp = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const accountId = fc.stringMatching(/^\d{12}$/);
/** Text with quotes, backslashes, braces and multi-byte characters: what trips a hand-written scanner. */
const trickyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom('"}', '\\', '{"eventVersion":', '],{', '\u00e9\u{1F600}', ''));

const cloudTrailRecord = fc.record(
  {
    eventVersion: fc.constantFrom('1.05', '1.08', '1.09', '1.11'),
    eventTime: timestamp,
    eventSource: fc.constantFrom('iam.amazonaws.com', 's3.amazonaws.com', 'ec2.amazonaws.com', 'signin.amazonaws.com'),
    eventName: fc.stringMatching(/^[A-Z][A-Za-z]{2,24}$/),
    eventID: fc.uuid(),
    awsRegion: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
    sourceIPAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('AWS Internal'), fc.domain()),
    userAgent: trickyText,
    recipientAccountId: accountId,
    readOnly: fc.boolean(),
    eventType: fc.constantFrom('AwsApiCall', 'AwsServiceEvent', 'AwsConsoleSignIn'),
    userIdentity: fc.record({ type: fc.constantFrom('IAMUser', 'Root', 'AssumedRole'), accountId, userName: trickyText }),
    requestParameters: fc.option(fc.dictionary(trickyText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { nil: null }),
  },
  { requiredKeys: ['eventVersion', 'eventTime', 'eventSource', 'eventName', 'eventID'] },
);
const cloudTrailRecords = fc.array(cloudTrailRecord, { minLength: 1, maxLength: 6 });

const STRING_FIELDS = ['eventVersion', 'eventTime', 'eventSource', 'eventName', 'eventID', 'awsRegion', 'sourceIPAddress', 'userAgent', 'recipientAccountId', 'eventType'] as const;
const OBJECT_FIELDS = ['userIdentity', 'requestParameters'] as const;
const REQUIRED_FIELDS = new Set(['eventVersion', 'eventTime', 'eventSource', 'eventName', 'eventID']);

/** A value whose JSON type differs from the field's, so the record must be rejected. */
function wrongTypeFor(field: string): fc.Arbitrary<unknown> {
  if ((STRING_FIELDS as readonly string[]).includes(field)) return fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({ a: 1 }));
  if ((OBJECT_FIELDS as readonly string[]).includes(field)) return fc.oneof(fc.integer(), fc.string({ minLength: 1 }), fc.constant(true), fc.constant([1]));
  return fc.oneof(fc.string(), fc.integer(), fc.constant([]));
}

const flowFields = fc.record({
  account: fc.oneof(accountId, fc.constant('unknown')),
  eni: fc.stringMatching(/^eni-[0-9a-f]{17}$/),
  srcAddr: fc.oneof(fc.ipV4(), fc.ipV6()),
  dstAddr: fc.oneof(fc.ipV4(), fc.ipV6()),
  srcPort: fc.integer({ min: 0, max: 65535 }),
  dstPort: fc.integer({ min: 0, max: 65535 }),
  protocol: fc.integer({ min: 0, max: 255 }),
  packets: fc.integer({ min: 0, max: 2 ** 40 }),
  bytes: fc.maxSafeNat(),
  start: fc.integer({ min: 0, max: 4_000_000_000 }),
  duration: fc.integer({ min: 0, max: 600 }),
  action: fc.constantFrom('ACCEPT' as const, 'REJECT' as const),
});
type FlowFields = typeof flowFields extends fc.Arbitrary<infer T> ? T : never;

function flowLine(f: FlowFields): string {
  return `2 ${f.account} ${f.eni} ${f.srcAddr} ${f.dstAddr} ${f.srcPort} ${f.dstPort} ${f.protocol} ${f.packets} ${f.bytes} ${f.start} ${f.start + f.duration} ${f.action} OK`;
}

const resolverEntry = fc.record(
  {
    version: fc.constant('1.100000'),
    account_id: accountId,
    region: fc.constantFrom('us-east-1', 'eu-west-1'),
    vpc_id: fc.stringMatching(/^vpc-[0-9a-f]{8}$/),
    query_timestamp: timestamp,
    query_name: fc.domain().chain((d) => fc.tuple(fc.mixedCase(fc.constant(d)), fc.boolean())).map(([d, dot]) => (dot ? `${d}.` : d)),
    query_type: fc.constantFrom('A', 'AAAA', 'TXT', 'PTR', 'MX'),
    rcode: fc.constantFrom('NOERROR', 'NXDOMAIN', 'SERVFAIL'),
    answers: fc.array(fc.record({ Rdata: trickyText, Type: fc.constantFrom('A', 'CNAME'), Class: fc.constant('IN') }), { maxLength: 3 }),
    srcaddr: fc.ipV4(),
    srcport: fc.integer({ min: 0, max: 65535 }).map(String),
    transport: fc.constantFrom('UDP', 'TCP'),
    srcids: fc.record({ instance: fc.stringMatching(/^i-[0-9a-f]{17}$/) }),
  },
  { requiredKeys: ['query_timestamp', 'query_name', 'query_type'] },
);

// --- never throws -----------------------------------------------------------------------------------------

describe('parsers never throw', () => {
  const steeringPrefixes = ['', '{"Records":[', '{"messageType":"DATA_MESSAGE","logEvents":[', '[{"detail-type":', `${FLOW_HEADER}\n`, '2 111122223333 eni-', '{"query_name":', '\u001f\u008b'];

  it('parseLogStream turns arbitrary bytes, after any format-steering prefix and in any pieces, into results and a consistent summary', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...steeringPrefixes), fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 4096 }), async (prefix, tail, pieceSize) => {
        const bytes = Buffer.concat([Buffer.from(prefix, 'latin1'), tail]);
        const { results, summary } = await drain(parseLogStream(inPieces(bytes, pieceSize), { input: 'fuzz', maxRecordBytes: 1024 }));
        expectConsistent(results, summary);
      }),
      RUNS,
    );
  });

  it('parseLogStream survives arbitrary bytes wrapped in gzip, and gzip with a damaged tail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.nat(), async (bytes, cut) => {
        const gz = gzipSync(bytes);
        for (const input of [gz, gz.subarray(0, cut % (gz.length + 1))]) {
          const { results, summary } = await drain(parseLogStream(inPieces(input, 97), { input: 'fuzz.gz' }));
          expectConsistent(results, summary);
        }
      }),
      RUNS,
    );
  });

  it('the record parsers turn arbitrary JSON values into results', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const parse of [parseCloudTrailRecord, parseEventBridgeCloudTrail, parseResolverQuery]) {
          const result = parse(value, { input: 'fuzz' });
          expect(typeof result.ok).toBe('boolean');
        }
      }),
      RUNS,
    );
  });

  it('parseCloudWatchLogsPayload turns arbitrary text and bytes into results', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 500 }).map((b) => gzipSync(b))), (data) => {
        expect(Array.isArray(parseCloudWatchLogsPayload(data, { input: 'fuzz' }).results)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the flow line parser turns a mangled line into an event, a skip or an issue', () => {
    const mangled = fc.tuple(flowFields, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('truncate', 'replace', 'drop-token', 'swap-token'));
    fc.assert(
      fc.property(mangled, ([fields, at, text, how]) => {
        const line = flowLine(fields);
        const tokens = line.split(' ');
        const k = at % line.length;
        const t = at % tokens.length;
        const broken =
          how === 'truncate'
            ? line.slice(0, k)
            : how === 'replace'
              ? line.slice(0, k) + text + line.slice(k + 1)
              : how === 'drop-token'
                ? tokens.filter((_, i) => i !== t).join(' ')
                : tokens.map((tok, i) => (i === t ? text || '-' : tok)).join(' ');
        const result = parseFlowLine(broken, { input: 'fuzz', line: 1 });
        if (result !== undefined && !result.ok) expect(['column-mismatch', 'invalid-record', 'skipdata']).toContain(result.issue.reason);
      }),
      { numRuns: 500 },
    );
  });
});

// --- damage is contained ---------------------------------------------------------------------------------

describe('damage to one CloudTrail record is contained', () => {
  function fileOf(records: readonly unknown[]): string {
    return JSON.stringify({ Records: records });
  }

  async function parseText(text: string) {
    return drain(parseLogStream(inPieces(Buffer.from(text), 256), { input: 'trail.json' }));
  }

  it('deleting a field rejects at most that record; all others become events', async () => {
    await fc.assert(
      fc.asyncProperty(cloudTrailRecords, fc.nat(), fc.constantFrom(...STRING_FIELDS, ...OBJECT_FIELDS, 'readOnly'), async (records, pick, field) => {
        const target = pick % records.length;
        const damaged = records.map((r, i) => {
          if (i !== target) return r;
          const copy: Record<string, unknown> = { ...r };
          delete copy[field];
          return copy;
        });
        const { results } = await parseText(fileOf(damaged));
        expect(results).toHaveLength(records.length);
        results.forEach((r, i) => {
          if (i !== target || !REQUIRED_FIELDS.has(field)) expect(r.ok).toBe(true);
          else expect(r).toMatchObject({ ok: false, issue: { reason: 'invalid-record', origin: { index: i } } });
        });
      }),
      RUNS,
    );
  });

  it('swapping a field for a value of another type rejects exactly that record', async () => {
    const swap = fc
      .tuple(cloudTrailRecords, fc.nat(), fc.constantFrom(...STRING_FIELDS, ...OBJECT_FIELDS, 'readOnly'))
      .chain(([records, pick, field]) => fc.tuple(fc.constant(records), fc.constant(pick % records.length), fc.constant(field), wrongTypeFor(field)));
    await fc.assert(
      fc.asyncProperty(swap, async ([records, target, field, value]) => {
        const damaged = records.map((r, i) => (i === target ? { ...r, [field]: value } : r));
        const { results } = await parseText(fileOf(damaged));
        expect(results.map((r) => (r.ok ? 'event' : r.issue.reason))).toEqual(records.map((_, i) => (i === target ? 'invalid-record' : 'event')));
      }),
      RUNS,
    );
  });

  it('truncating the file keeps every record that ended before the cut, in order', async () => {
    await fc.assert(
      fc.asyncProperty(cloudTrailRecords, fc.double({ min: 0, max: 1, noNaN: true }), async (records, fraction) => {
        const file = fileOf(records);
        const cut = Math.floor(file.length * fraction);
        const { events, results, summary } = await parseText(file.slice(0, cut));
        expectConsistent(results, summary);
        let end = '{"Records":['.length - 1;
        const complete = records.filter((r) => (end += JSON.stringify(r).length + 1) <= cut).length;
        const ids = eventsOf(results, 'cloudtrail').map((e) => e.eventId);
        expect(ids.slice(0, complete)).toEqual(records.slice(0, complete).map((r) => r.eventID));
        expect(events.length).toBeLessThanOrEqual(records.length);
      }),
      RUNS,
    );
  });

  it('flipping one byte after the file header loses at most one record', async () => {
    await fc.assert(
      fc.asyncProperty(cloudTrailRecords, fc.nat(), fc.integer({ min: 1, max: 255 }), async (records, at, xor) => {
        const bytes = Buffer.from(fileOf(records));
        const header = '{"Records":['.length;
        const k = header + (at % (bytes.length - header));
        bytes[k] = bytes[k]! ^ xor;
        const { results, summary } = await drain(parseLogStream(inPieces(bytes, 256), { input: 'trail.json' }));
        expectConsistent(results, summary);
        expect(summary.events).toBeGreaterThanOrEqual(records.length - 1);
      }),
      { numRuns: 400 },
    );
  });
});

// --- round trips -----------------------------------------------------------------------------------------

describe('valid records round-trip', () => {
  it('CloudTrail records in a gzip file become events with the generated values, in any pieces', async () => {
    await fc.assert(
      fc.asyncProperty(cloudTrailRecords, fc.integer({ min: 1, max: 512 }), async (records, pieceSize) => {
        const file = gzipSync(JSON.stringify({ Records: records }));
        const { results, summary } = await drain(parseLogStream(inPieces(file, pieceSize), { input: 'trail.json.gz' }));
        expect(summary).toMatchObject({ format: 'cloudtrail-file', events: records.length, issues: 0 });
        const events = eventsOf(results, 'cloudtrail');
        events.forEach((event, i) => {
          const record = JSON.parse(JSON.stringify(records[i])) as (typeof records)[number];
          expect(event).toMatchObject({
            time: Date.parse(record.eventTime),
            eventId: record.eventID,
            eventName: record.eventName,
            eventSource: record.eventSource,
            eventType: record.eventType,
            region: record.awsRegion ?? '',
            accountId: record.recipientAccountId ?? record.userIdentity?.accountId ?? '',
            sourceIp: record.sourceIPAddress,
            userAgent: record.userAgent,
            readOnly: record.readOnly,
            origin: { input: 'trail.json.gz', index: i },
          });
          expect(event.identity).toEqual(record.userIdentity === undefined ? { type: 'Unknown' } : expect.objectContaining(record.userIdentity));
          expect(event.requestParameters).toEqual(record.requestParameters);
          expect(event.raw).toEqual(record);
        });
      }),
      RUNS,
    );
  });

  it('flow lines become events with the generated values', () => {
    fc.assert(
      fc.property(flowFields, (f) => {
        const result = DEFAULT_FLOW_LAYOUT.parseLine(flowLine(f), { input: 'flow', line: 1 });
        expect(result).toEqual({
          ok: true,
          event: expect.objectContaining({
            time: f.start * 1000,
            endTime: (f.start + f.duration) * 1000,
            version: 2,
            accountId: f.account,
            interfaceId: f.eni,
            srcAddr: f.srcAddr,
            dstAddr: f.dstAddr,
            srcPort: f.srcPort,
            dstPort: f.dstPort,
            protocol: f.protocol,
            packets: f.packets,
            bytes: f.bytes,
            action: f.action,
          }),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('resolver entries as JSON lines become events with the generated values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(resolverEntry, { minLength: 1, maxLength: 5 }), async (entries) => {
        const text = entries.map((e) => JSON.stringify(e)).join('\n');
        const { results, summary } = await drain(parseLogStream(inPieces(Buffer.from(text), 64), { input: 'dns.log' }));
        expect(summary).toMatchObject({ format: 'dns-jsonl', events: entries.length, issues: 0 });
        eventsOf(results, 'dns').forEach((event, i) => {
          const e = entries[i]!;
          expect(event).toMatchObject({
            time: Date.parse(e.query_timestamp),
            queryName: e.query_name.replace(/\.$/, '').toLowerCase(),
            queryType: e.query_type,
            rcode: e.rcode,
            accountId: e.account_id,
            vpcId: e.vpc_id,
            srcAddr: e.srcaddr,
            srcPort: e.srcport === undefined ? undefined : Number(e.srcport),
            instanceId: e.srcids?.instance,
            origin: { input: 'dns.log', line: i + 1 },
          });
          expect(event.answers).toEqual((e.answers ?? []).map((a) => ({ rdata: a.Rdata, type: a.Type, class: a.Class })));
        });
      }),
      RUNS,
    );
  });
});
