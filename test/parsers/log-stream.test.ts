import { gzipSync } from 'node:zlib';
import { parseLogBuffer, parseLogStream, type ParseOptions } from '../../lambdas/parsers';
import type { ParseResult } from '../../lambdas/engine/issues';
import { drain, eventsOf, fixture, inPieces } from './helpers';

const CT_FILE = 'cloudtrail/111122223333_CloudTrail_us-east-1_20250101T0810Z_AbCdEfGhIjKlMnOp.json.gz';
const CT_DIGEST = 'cloudtrail/111122223333_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20250101T081000Z.json.gz';
const FLOW_FILE = 'vpcflow/111122223333_vpcflowlogs_us-east-1_fl-1234abcd_20250101T1620Z_fe123456.log.gz';
const DNS_FILE = 'dns/vpc-0abc1234_vpcdnsquerylogs_111122223333_20250101T1000Z_3f2a1b0c.log.gz';
const RECORDS = JSON.parse(fixture('cloudtrail/records.json').toString('utf8')) as Record<string, unknown>[];
const FLOW_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

function parse(bytes: Uint8Array | string, options: Partial<ParseOptions> = {}) {
  return drain(parseLogBuffer(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { input: 'test-input', ...options }));
}

function kinds(results: readonly ParseResult[]): string[] {
  return results.map((r) => (r.ok ? r.event.source : r.issue.reason));
}

function flowLine(i: number): string {
  return `2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.${i % 250} 10.0.1.15 ${1024 + (i % 60000)} 22 6 1 60 1735718400 1735718460 REJECT OK`;
}

describe('parseLogStream: formats', () => {
  it('reads a gzip CloudTrail file, every record in order, located by index', async () => {
    const { events, issues, summary } = await parse(fixture(CT_FILE), { input: 's3://trail-bucket/key.json.gz' });
    expect(issues).toEqual([]);
    expect(summary).toEqual({ format: 'cloudtrail-file', source: 'cloudtrail', records: 8, events: 8, skipped: 0, issues: 0 });
    const calls = eventsOf(events.map((event) => ({ ok: true as const, event })), 'cloudtrail');
    expect(calls.map((e) => e.eventId)).toEqual(RECORDS.map((r) => r.eventID));
    expect(calls.map((e) => e.origin.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(calls[0]!.origin).toMatchObject({ input: 's3://trail-bucket/key.json.gz', line: 1, offset: 12 });
  });

  it('gives the same results whether the bytes arrive at once or one at a time', async () => {
    for (const name of [CT_FILE, FLOW_FILE, 'cloudtrail/records.json', 'envelopes/eventbridge-cloudtrail.jsonl', 'vpcflow/custom-v5.log']) {
      const whole = await parse(fixture(name));
      const byteByByte = await drain(parseLogStream(inPieces(fixture(name), 1), { input: 'test-input' }));
      const oddPieces = await drain(parseLogStream(inPieces(fixture(name), 7), { input: 'test-input' }));
      expect(byteByByte.results).toEqual(whole.results);
      expect(oddPieces.results).toEqual(whole.results);
      expect(byteByByte.summary).toEqual(whole.summary);
    }
  });

  it('skips a CloudTrail digest file without an issue', async () => {
    const { results, summary } = await parse(fixture(CT_DIGEST));
    expect(results).toEqual([]);
    expect(summary).toMatchObject({ format: 'cloudtrail-digest', records: 0, issues: 0 });
  });

  it('accepts an empty Records array, a 0-byte input, blank input and an empty gzip', async () => {
    expect((await parse(fixture('cloudtrail/empty-records.json'))).summary).toEqual({ format: 'cloudtrail-file', source: 'cloudtrail', records: 0, events: 0, skipped: 0, issues: 0 });
    for (const empty of [Buffer.alloc(0), Buffer.from(' \n\t\r\n'), gzipSync(''), Buffer.from([0xef, 0xbb, 0xbf])]) {
      expect((await parse(empty)).summary).toEqual({ format: 'empty', records: 0, events: 0, skipped: 0, issues: 0 });
    }
  });

  it('finds Records when it is not the first key, and reads only Records', async () => {
    const file = JSON.stringify({ deliveredBy: { Records: ['not', 'these'] }, note: 'x', Records: [RECORDS[0], RECORDS[1]], trailer: [{ eventVersion: '1.08' }] });
    const { events, summary } = await parse(file);
    expect(summary.format).toBe('cloudtrail-file');
    expect(events.map((e) => e.source === 'cloudtrail' && e.eventName)).toEqual(['ConsoleLogin', 'ConsoleLogin']);
  });

  it('does not mistake a record holding a "Records" key in its parameters for a CloudTrail file', async () => {
    const record = { ...RECORDS[2], requestParameters: { Records: [{ Name: 'a.example.com' }] } };
    const { summary, events } = await parse(`${JSON.stringify(record)}\n`);
    expect(summary.format).toBe('cloudtrail-records');
    expect(events).toHaveLength(1);
  });

  it('reads CloudTrail files concatenated in a multi-member gzip, numbering records across them', async () => {
    const one = gzipSync(JSON.stringify({ Records: RECORDS.slice(0, 3) }));
    const two = gzipSync(JSON.stringify({ Records: RECORDS.slice(3) }));
    const { events, summary } = await parse(Buffer.concat([one, two]));
    expect(summary).toMatchObject({ format: 'cloudtrail-file', events: 8, issues: 0 });
    expect(events.map((e) => e.origin.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reads bare CloudTrail records as JSON lines, concatenated objects and a pretty-printed array', async () => {
    const lines = await parse(fixture('cloudtrail/records-per-line.jsonl'));
    expect(lines.summary).toMatchObject({ format: 'cloudtrail-records', events: 8, issues: 0 });
    expect(lines.events.map((e) => e.origin.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const concatenated = await parse(RECORDS.map((r) => JSON.stringify(r)).join(''));
    expect(concatenated.summary).toMatchObject({ format: 'cloudtrail-records', events: 8, issues: 0 });
    const array = await parse(fixture('cloudtrail/records.json'));
    expect(array.summary).toMatchObject({ format: 'cloudtrail-records', events: 8, issues: 0 });
  });

  it('reads a gzip flow log with its header: NODATA skipped, SKIPDATA reported, IPv6 kept', async () => {
    const { results, summary } = await parse(fixture(FLOW_FILE));
    expect(summary).toEqual({ format: 'vpcflow', source: 'vpcflow', records: 8, events: 6, skipped: 1, issues: 1 });
    expect(kinds(results)).toEqual(['vpcflow', 'vpcflow', 'vpcflow', 'vpcflow', 'vpcflow', 'skipdata', 'vpcflow']);
    const flows = eventsOf(results, 'vpcflow');
    expect(flows.map((f) => f.origin.line)).toEqual([2, 3, 4, 6, 7, 9]);
    expect(flows[3]).toMatchObject({ srcAddr: '2001:db8::10', dstAddr: '2001:db8::20' });
  });

  it('reads headerless flow lines with the default v2 format, or with the given format', async () => {
    const plain = await parse(fixture('vpcflow/headerless-v2.log'));
    expect(plain.summary).toMatchObject({ format: 'vpcflow', events: 3, issues: 0 });
    const custom = await parse('10.0.0.1 10.0.0.2 1 2 6 1 40 1735718400 1735718460 ACCEPT ingress OK\n', {
      flowFormat: '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${flow-direction} ${log-status}',
    });
    expect(eventsOf(custom.results, 'vpcflow')).toEqual([expect.objectContaining({ version: 5, flowDirection: 'ingress', srcAddr: '10.0.0.1' })]);
  });

  it('lets the header line win over the given format', async () => {
    const { summary } = await parse(fixture('vpcflow/custom-v5.log'), { flowFormat: 'srcaddr dstaddr srcport dstport protocol packets bytes start end action' });
    expect(summary).toMatchObject({ events: 2, issues: 0 });
  });

  it('keeps an unknown header column in extra and says so once', async () => {
    const text = `${FLOW_HEADER} future-field\n${flowLine(1)} alpha\n${flowLine(2)} beta\n`;
    const { results } = await parse(text);
    expect(kinds(results)).toEqual(['unknown-column', 'vpcflow', 'vpcflow']);
    expect(eventsOf(results, 'vpcflow').map((f) => f.extra)).toEqual([{ 'future-field': 'alpha' }, { 'future-field': 'beta' }]);
  });

  it('reports a header that lacks required columns once and reads none of its lines', async () => {
    const { results, summary } = await parse(`version srcaddr dstaddr\n2 10.0.0.1 10.0.0.2\n2 10.0.0.1 10.0.0.3\n`);
    expect(kinds(results)).toEqual(['unrecognized-format']);
    expect(summary).toMatchObject({ format: 'vpcflow', records: 0 });
  });

  it('switches layout at a new header (concatenated flow files)', async () => {
    const v2 = gzipSync(`${FLOW_HEADER}\n${flowLine(1)}\n`);
    const v5 = gzipSync(fixture('vpcflow/custom-v5.log'));
    const { results } = await parse(Buffer.concat([v2, v5]));
    expect(eventsOf(results, 'vpcflow').map((f) => f.version)).toEqual([2, 5, 5]);
  });

  it('tolerates CRLF line ends and blank lines', async () => {
    const { summary } = await parse(`${FLOW_HEADER}\r\n\r\n${flowLine(1)}\r\n   \n${flowLine(2)}`);
    expect(summary).toMatchObject({ records: 2, events: 2, issues: 0 });
  });

  it('reads gzip Route 53 Resolver query logs, located by line', async () => {
    const { results, summary } = await parse(fixture(DNS_FILE));
    expect(summary).toMatchObject({ format: 'dns-jsonl', source: 'dns', events: 4, issues: 0 });
    expect(eventsOf(results, 'dns').map((d) => [d.queryName, d.origin.line])).toEqual([
      ['xk2j3h4.badexample.net', 1],
      ['www.example.com', 2],
      ['pool.minexmr.example', 3],
      ['15.1.0.10.in-addr.arpa', 4],
    ]);
  });

  it('reads EventBridge envelopes one per line or in an array, reporting the ones without a CloudTrail record', async () => {
    const lines = await parse(fixture('envelopes/eventbridge-cloudtrail.jsonl'));
    expect(lines.summary).toMatchObject({ format: 'eventbridge', events: 5, issues: 1 });
    expect(kinds(lines.results)).toEqual(['cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'invalid-record']);
    const array = await parse(fixture('envelopes/eventbridge-array.json'));
    expect(array.summary).toMatchObject({ format: 'eventbridge', events: 3, issues: 0 });
  });

  it('reads Firehose objects of multi-member gzip CloudWatch Logs messages, dropping control messages', async () => {
    const { results, summary } = await parse(fixture('envelopes/firehose-cwl-multimember.gz'));
    expect(summary).toEqual({ format: 'cwl-subscription', source: 'vpcflow', records: 6, events: 4, skipped: 2, issues: 0 });
    expect(kinds(results)).toEqual(['vpcflow', 'vpcflow', 'dns', 'dns']);
    expect(results[2]).toMatchObject({ ok: true, event: { origin: { input: 'test-input#/route53/resolver-query-logs/vpc-0abc1234_9f8e7d6c', index: 0 } } });
  });

  it('reads a decoded CloudWatch Logs message carrying CloudTrail records', async () => {
    const { summary } = await parse(fixture('envelopes/cwl-cloudtrail-decoded.json'));
    expect(summary).toMatchObject({ format: 'cwl-subscription', source: 'cloudtrail', events: 3, issues: 0 });
  });

  it('cuts results into chunks of chunkSize, the same however the bytes arrive', async () => {
    const text = Array.from({ length: 2500 }, (_, i) => flowLine(i)).join('\n');
    const whole = await parse(text, { chunkSize: 1000 });
    expect(whole.chunks.map((c) => c.results.length)).toEqual([1000, 1000, 500]);
    const pieces = await drain(parseLogStream(inPieces(Buffer.from(text), 333), { input: 'test-input', chunkSize: 1000 }));
    expect(pieces.chunks.map((c) => c.results.length)).toEqual([1000, 1000, 500]);
  });
});

describe('parseLogStream: bad input', () => {
  const flowText = `${FLOW_HEADER}\n${Array.from({ length: 20_000 }, (_, i) => flowLine(i)).join('\n')}\n`;
  const flowGz = gzipSync(flowText);

  it('yields everything inflated before a truncated gzip ends, then a corrupt-gzip issue with the offset', async () => {
    const { results, summary } = await parse(flowGz.subarray(0, Math.floor(flowGz.length / 2)));
    const last = results[results.length - 1]!;
    expect(last).toMatchObject({ ok: false, issue: { reason: 'corrupt-gzip', origin: { input: 'test-input' } } });
    const offset = !last.ok ? last.issue.origin.offset! : 0;
    // Every complete line before the fault became an event; at most the line cut in half is lost.
    const completeLines = flowText.slice(0, offset).split('\n').length - 2;
    expect(summary.events).toBeGreaterThanOrEqual(completeLines - 1);
    expect(summary.events).toBeGreaterThan(5000);
    expect(last.ok ? '' : last.issue.message).toMatch(/unexpected end of file/);
  });

  it('reports garbage after the last gzip member as corrupt-gzip without throwing', async () => {
    const { results } = await parse(Buffer.concat([flowGz, Buffer.from('this is not gzip')]));
    expect(kinds(results).at(-1)).toBe('corrupt-gzip');
    // zlib discards the output of the call that met the fault: at most one 16 KiB block.
    expect(eventsOf(results, 'vpcflow').length).toBeGreaterThan(20_000 - 16 * 1024 / 100);
  });

  it('survives damage in the middle of a gzip stream', async () => {
    const damaged = Buffer.from(flowGz);
    damaged.fill(0x55, Math.floor(damaged.length / 2), Math.floor(damaged.length / 2) + 64);
    const { results } = await parse(damaged);
    expect(kinds(results)).toContain('corrupt-gzip');
    expect(eventsOf(results, 'vpcflow').length).toBeGreaterThan(1000);
  });

  it('yields the records before a CloudTrail file is cut off, then reports the cut record', async () => {
    const file = JSON.stringify({ Records: RECORDS });
    const cut = file.indexOf('"eventID":"00000000-0000-4000-8000-000000000006"');
    const { results } = await parse(file.slice(0, cut));
    expect(kinds(results)).toEqual(['cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'malformed-json']);
    expect(results[5]).toMatchObject({ ok: false, issue: { message: 'input ends inside this record (truncated)', origin: { index: 5 } } });
  });

  it('reports a file that ends between records before its JSON closes', async () => {
    const file = JSON.stringify({ Records: RECORDS.slice(0, 2) });
    const { results } = await parse(file.slice(0, file.lastIndexOf('}') - 1));
    expect(kinds(results)).toEqual(['cloudtrail', 'cloudtrail', 'malformed-json']);
    expect(results[2]).toMatchObject({ ok: false, issue: { message: expect.stringMatching(/ends before its JSON closes/) } });
  });

  it('loses only the damaged record when a quote or a brace is lost, and carries on with the next', async () => {
    const file = JSON.stringify({ Records: RECORDS });
    const lostQuote = file.replace('"eventName":"DescribeInstances"', '"eventName":"DescribeInstances');
    const lostBrace = file.replace('"webIdFederationData":{}', '"webIdFederationData":{');
    const extraBrace = file.replace('"webIdFederationData":{}', '"webIdFederationData":{{}');
    for (const damaged of [lostQuote, lostBrace, extraBrace]) {
      const { results } = await parse(damaged);
      expect(kinds(results)).toEqual(['cloudtrail', 'cloudtrail', 'malformed-json', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail', 'cloudtrail']);
      expect(eventsOf(results, 'cloudtrail').map((e) => e.origin.index)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    }
  });

  it('reports records with wrong types by index and keeps the rest', async () => {
    const records = [RECORDS[0], { ...RECORDS[1], eventTime: 12 }, 'not a record', null, RECORDS[2]];
    const { results } = await parse(JSON.stringify({ Records: records }));
    expect(kinds(results)).toEqual(['cloudtrail', 'invalid-record', 'invalid-record', 'invalid-record', 'cloudtrail']);
    expect(results.map((r) => (r.ok ? r.event.origin.index : r.issue.origin.index))).toEqual([0, 1, 2, 3, 4]);
  });

  it('turns binary junk into one unrecognized-format issue', async () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const { results, summary } = await parse(junk);
    expect(summary).toEqual({ format: 'unknown', records: 0, events: 0, skipped: 0, issues: 1 });
    expect(results[0]).toMatchObject({ ok: false, issue: { reason: 'unrecognized-format', origin: { input: 'test-input', offset: 0 } } });
  });

  it('reports junk between JSON lines and keeps the lines around it', async () => {
    const good = fixture('dns/resolver-queries.jsonl').toString('utf8').trim().split('\n');
    const text = [good[0], '\u0000\u0001garbage\u00ff', good[1], '{"query_name": "x.", broken', good[2]].join('\n');
    const { results } = await parse(text);
    expect(kinds(results)).toEqual(['dns', 'malformed-json', 'dns', 'malformed-json', 'dns']);
    expect(results.map((r) => (r.ok ? r.event.origin.line : r.issue.origin.line))).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips a 100 MB flow line up to its newline without buffering it', async () => {
    const mebibyte = Buffer.alloc(1024 * 1024, 0x41);
    let peakExternal = 0;
    const baseline = process.memoryUsage().arrayBuffers;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${FLOW_HEADER}\n${flowLine(1)}\n2 111122223333 `);
      for (let i = 0; i < 100; i++) {
        peakExternal = Math.max(peakExternal, process.memoryUsage().arrayBuffers - baseline);
        yield mebibyte;
      }
      yield Buffer.from(` tail\n${flowLine(2)}\n`);
    }
    const { results, summary } = await drain(parseLogStream(source(), { input: 'huge.log' }));
    expect(kinds(results)).toEqual(['vpcflow', 'oversized-record', 'vpcflow']);
    expect(results[1]).toMatchObject({ ok: false, issue: { origin: { input: 'huge.log', line: 3 } } });
    expect(summary).toMatchObject({ records: 3, events: 2, issues: 1 });
    expect(peakExternal).toBeLessThan(16 * 1024 * 1024);
  });

  it('skips an oversized JSON record without buffering it and reads the next one', async () => {
    const mebibyte = Buffer.alloc(1024 * 1024, 0x61);
    const good = fixture('dns/resolver-queries.jsonl').toString('utf8').trim().split('\n');
    let peakExternal = 0;
    const baseline = process.memoryUsage().arrayBuffers;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${good[0]}\n{"query_name":"`);
      for (let i = 0; i < 24; i++) {
        peakExternal = Math.max(peakExternal, process.memoryUsage().arrayBuffers - baseline);
        yield mebibyte;
      }
      yield Buffer.from(`."}\n${good[1]}\n`);
    }
    const { results } = await drain(parseLogStream(source(), { input: 'huge.jsonl' }));
    expect(kinds(results)).toEqual(['dns', 'oversized-record', 'dns']);
    expect(peakExternal).toBeLessThan(16 * 1024 * 1024);
  });

  it('honours a smaller maxRecordBytes', async () => {
    const { results } = await parse(JSON.stringify({ Records: RECORDS }), { maxRecordBytes: 900 });
    const sizes = RECORDS.map((r) => JSON.stringify(r).length);
    expect(kinds(results)).toEqual(sizes.map((size) => (size > 900 ? 'oversized-record' : 'cloudtrail')));
    expect(kinds(results)).toContain('oversized-record');
  });

  it('reports a failing source as unreadable-input after the results it delivered', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`${FLOW_HEADER}\n${flowLine(1)}\n${flowLine(2)}\n`);
      throw new Error('connection reset');
    }
    const { results } = await drain(parseLogStream(failing(), { input: 's3://b/k' }));
    expect(kinds(results)).toEqual(['vpcflow', 'vpcflow', 'unreadable-input']);
    expect(results[2]).toMatchObject({ ok: false, issue: { message: expect.stringContaining('connection reset') } });
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; ; i++) yield Buffer.from(`${flowLine(i)}\n`.repeat(200));
      } finally {
        closed = true;
      }
    }
    for await (const chunk of parseLogStream(source(), { input: 'endless', chunkSize: 100 })) {
      expect(chunk.results).toHaveLength(100);
      break;
    }
    expect(closed).toBe(true);
  });
});
