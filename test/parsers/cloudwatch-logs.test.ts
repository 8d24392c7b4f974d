import { gzipSync } from 'node:zlib';
import { parseCloudWatchLogsPayload } from '../../lambdas/parsers';
import { eventsOf, fixture } from './helpers';

const options = { input: 'kinesis:shardId-000000000000:49590338271490256608559692538361571095921575989136588898' };
const FLOW_B64 = fixture('envelopes/cwl-flow-kinesis-data.b64').toString('utf8').trim();
const CONTROL_B64 = fixture('envelopes/cwl-control-message.b64').toString('utf8').trim();
const TRAIL_JSON = fixture('envelopes/cwl-cloudtrail-decoded.json').toString('utf8');

function payload(message: unknown): string {
  return gzipSync(JSON.stringify(message)).toString('base64');
}

describe('parseCloudWatchLogsPayload', () => {
  it('decodes base64 gzip flow log data, skipping NODATA, with log group and stream in the origin', () => {
    const parsed = parseCloudWatchLogsPayload(FLOW_B64, options);
    expect(parsed).toMatchObject({ messageType: 'DATA_MESSAGE', logGroup: '/vpc/flow-logs', logStream: 'eni-0a1b2c3d4e5f60718-all' });
    expect(parsed.results.every((r) => r.ok)).toBe(true);
    const flows = eventsOf(parsed.results, 'vpcflow');
    expect(flows.map((f) => [f.srcAddr, f.dstPort, f.action])).toEqual([
      ['198.51.100.23', 22, 'REJECT'],
      ['10.0.1.15', 443, 'ACCEPT'],
    ]);
    expect(flows.map((f) => f.origin)).toEqual([
      { input: `${options.input}#/vpc/flow-logs/eni-0a1b2c3d4e5f60718-all`, index: 0 },
      { input: `${options.input}#/vpc/flow-logs/eni-0a1b2c3d4e5f60718-all`, index: 2 },
    ]);
  });

  it('accepts the payload as bytes as well as base64 text', () => {
    const bytes = Buffer.from(FLOW_B64, 'base64');
    expect(parseCloudWatchLogsPayload(new Uint8Array(bytes), options).results).toEqual(parseCloudWatchLogsPayload(FLOW_B64, options).results);
  });

  it('yields nothing for a CONTROL_MESSAGE', () => {
    expect(parseCloudWatchLogsPayload(CONTROL_B64, options)).toMatchObject({ results: [], messageType: 'CONTROL_MESSAGE' });
  });

  it('parses CloudTrail records carried as log event messages', () => {
    const parsed = parseCloudWatchLogsPayload(Buffer.from(TRAIL_JSON), options);
    expect(eventsOf(parsed.results, 'cloudtrail').map((e) => e.eventName)).toEqual(['ConsoleLogin', 'ConsoleLogin', 'DescribeInstances']);
  });

  it('detects the kind of each message, so one payload may mix resolver entries and flow lines', () => {
    const resolver = { query_timestamp: '2025-01-01T10:00:00Z', query_name: 'Example.com.', query_type: 'A' };
    const parsed = parseCloudWatchLogsPayload(
      payload({
        messageType: 'DATA_MESSAGE',
        logGroup: 'g',
        logStream: 's',
        logEvents: [
          { id: '1', timestamp: 1, message: JSON.stringify(resolver) },
          { id: '2', timestamp: 1, message: '2 111122223333 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1735718400 1735718460 ACCEPT OK' },
        ],
      }),
      options,
    );
    expect(parsed.results.map((r) => (r.ok ? r.event.source : r.issue.reason))).toEqual(['dns', 'vpcflow']);
    expect(eventsOf(parsed.results, 'dns')[0]!.queryName).toBe('example.com');
  });

  it('reads flow messages with the given custom format', () => {
    const parsed = parseCloudWatchLogsPayload(
      payload({ messageType: 'DATA_MESSAGE', logGroup: 'g', logStream: 's', logEvents: [{ id: '1', timestamp: 1, message: '10.0.0.1 10.0.0.2 1 2 6 1 40 1735718400 1735718460 ACCEPT egress' }] }),
      { ...options, flowFormat: '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${flow-direction}' },
    );
    expect(eventsOf(parsed.results, 'vpcflow')[0]).toMatchObject({ version: 5, flowDirection: 'egress' });
  });

  it('reports every flow message as unrecognized-format when the given flow format is unusable', () => {
    const parsed = parseCloudWatchLogsPayload(FLOW_B64, { ...options, flowFormat: 'version srcaddr' });
    expect(parsed.results.map((r) => (r.ok ? 'event' : r.issue.reason))).toEqual(['unrecognized-format', 'unrecognized-format', 'unrecognized-format']);
  });

  it('reports bad log events one by one and keeps the good ones', () => {
    const parsed = parseCloudWatchLogsPayload(
      payload({
        messageType: 'DATA_MESSAGE',
        logGroup: 'g',
        logStream: 's',
        logEvents: [
          { id: '1', timestamp: 1, message: '{"eventVersion": oops' },
          { id: '2', timestamp: 1 },
          { id: '3', timestamp: 1, message: '{"some":"json"}' },
          { id: '4', timestamp: 1, message: '2 1 eni-1' },
          { id: '5', timestamp: 1, message: JSON.parse(TRAIL_JSON).logEvents[0].message },
        ],
      }),
      options,
    );
    expect(parsed.results.map((r) => (r.ok ? 'event' : r.issue.reason))).toEqual(['malformed-json', 'invalid-record', 'invalid-record', 'column-mismatch', 'event']);
    expect(parsed.results.map((r) => (r.ok ? r.event.origin.index : r.issue.origin.index))).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    ['corrupt gzip', 'corrupt-gzip', gzipSync('{"messageType":"DATA_MESSAGE"}').subarray(0, 20).toString('base64')],
    ['text that is not base64 JSON', 'malformed-json', '%%% not base64 %%%'],
    ['JSON that is not an object', 'invalid-record', payload([1, 2])],
    ['an unknown messageType', 'invalid-record', payload({ messageType: 'HELLO', logEvents: [] })],
    ['logEvents that is not an array', 'invalid-record', payload({ messageType: 'DATA_MESSAGE', logEvents: {} })],
  ])('turns %s into a single %s issue located at the input', (_case, reason, data) => {
    const parsed = parseCloudWatchLogsPayload(data, options);
    expect(parsed.results).toHaveLength(1);
    expect(parsed.results[0]).toMatchObject({ ok: false, issue: { reason, origin: { input: options.input } } });
  });

  it('refuses to inflate a payload beyond maxRecordBytes', () => {
    const big = payload({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 1, message: 'x'.repeat(100_000) }] });
    const parsed = parseCloudWatchLogsPayload(big, { ...options, maxRecordBytes: 10_000 });
    expect(parsed.results).toEqual([expect.objectContaining({ ok: false, issue: expect.objectContaining({ reason: 'oversized-record' }) })]);
  });
});
