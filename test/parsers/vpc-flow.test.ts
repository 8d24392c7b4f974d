import {
  compileFlowFormat,
  DEFAULT_FLOW_FORMAT,
  DEFAULT_FLOW_LAYOUT,
  FlowFormatError,
  FlowLayout,
  flowLayoutFor,
  parseFlowLine,
} from '../../lambdas/parsers';
import type { FlowEvent } from '../../lambdas/engine/events';
import type { ParseResult } from '../../lambdas/engine/issues';
import { fixture } from './helpers';

const origin = { input: 'flow.log', line: 2 };
const REJECT_SSH = '2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.23 10.0.1.15 51544 22 6 10 840 1735718400 1735718460 REJECT OK';

function layoutOf(format: string): FlowLayout {
  const layout = compileFlowFormat(format);
  if (layout instanceof FlowFormatError) throw layout;
  return layout;
}

function eventOf(result: ParseResult<FlowEvent> | undefined): FlowEvent {
  if (result === undefined) throw new Error('expected an event, got a skipped record');
  if (!result.ok) throw new Error(`expected an event, got ${result.issue.reason}: ${result.issue.message}`);
  return result.event;
}

function issueOf(result: ParseResult<FlowEvent> | undefined) {
  if (result === undefined || result.ok) throw new Error('expected an issue');
  return result.issue;
}

describe('compileFlowFormat', () => {
  it('accepts the AWS ${field} format string and bare names alike', () => {
    const dollar = layoutOf(DEFAULT_FLOW_FORMAT.split(' ').map((f) => `\${${f}}`).join(' '));
    expect(dollar.columns).toEqual(DEFAULT_FLOW_FORMAT.split(' '));
    expect(layoutOf(DEFAULT_FLOW_FORMAT).columns).toEqual(dollar.columns);
  });

  it('sets the version to the highest version among the columns', () => {
    expect(layoutOf(DEFAULT_FLOW_FORMAT).version).toBe(2);
    expect(layoutOf(`${DEFAULT_FLOW_FORMAT} tcp-flags`).version).toBe(3);
    expect(layoutOf(`${DEFAULT_FLOW_FORMAT} flow-direction`).version).toBe(5);
    expect(layoutOf(`${DEFAULT_FLOW_FORMAT} ecs-task-id`).version).toBe(7);
    expect(layoutOf(`${DEFAULT_FLOW_FORMAT} reject-reason`).version).toBe(8);
  });

  it('accepts unknown column names and lists them', () => {
    const layout = layoutOf(`${DEFAULT_FLOW_FORMAT} future-field`);
    expect(layout.unknownColumns).toEqual(['future-field']);
  });

  it('returns a FlowFormatError naming the required columns a format lacks', () => {
    const error = compileFlowFormat('version srcaddr dstaddr');
    expect(error).toBeInstanceOf(FlowFormatError);
    expect((error as FlowFormatError).missingColumns).toEqual(['srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action']);
  });

  it.each([
    ['', /empty/],
    [`${DEFAULT_FLOW_FORMAT} srcaddr`, /names column srcaddr twice/],
    [`${DEFAULT_FLOW_FORMAT} \${bad field}`, /not a column name/],
    [`${DEFAULT_FLOW_FORMAT} Version`, /not a column name/],
  ])('rejects the malformed format %p', (format, message) => {
    const error = compileFlowFormat(format);
    expect(error).toBeInstanceOf(FlowFormatError);
    expect((error as FlowFormatError).message).toMatch(message);
  });

  it('memoises the layout of a repeated format string', () => {
    const format = `${DEFAULT_FLOW_FORMAT} vpc-id`;
    expect(flowLayoutFor(format)).toBe(flowLayoutFor(format));
    expect(flowLayoutFor(undefined)).toBe(DEFAULT_FLOW_LAYOUT);
  });
});

describe('FlowLayout.parseLine', () => {
  it('maps a default-format REJECT record to an event with times in milliseconds', () => {
    expect(eventOf(parseFlowLine(REJECT_SSH, origin))).toEqual({
      source: 'vpcflow',
      time: 1735718400000,
      endTime: 1735718460000,
      version: 2,
      accountId: '111122223333',
      interfaceId: 'eni-0a1b2c3d4e5f60718',
      instanceId: undefined,
      vpcId: undefined,
      subnetId: undefined,
      region: undefined,
      srcAddr: '198.51.100.23',
      dstAddr: '10.0.1.15',
      srcPort: 51544,
      dstPort: 22,
      protocol: 6,
      packets: 10,
      bytes: 840,
      action: 'REJECT',
      tcpFlags: undefined,
      flowDirection: undefined,
      pktSrcAddr: undefined,
      pktDstAddr: undefined,
      extra: undefined,
      origin,
    });
  });

  it('keeps IPv6 addresses as logged', () => {
    const event = eventOf(parseFlowLine('2 111122223333 eni-1 2001:db8::10 2001:db8::20 40000 443 6 12 5120 1735718400 1735718460 ACCEPT OK', origin));
    expect([event.srcAddr, event.dstAddr]).toEqual(['2001:db8::10', '2001:db8::20']);
  });

  it('skips a NODATA record without an issue', () => {
    expect(parseFlowLine('2 111122223333 eni-1 - - - - - - - 1735718400 1735718460 - NODATA', origin)).toBeUndefined();
  });

  it('reports a SKIPDATA record as a skipdata issue (flows were lost)', () => {
    const issue = issueOf(parseFlowLine('2 unknown eni-1 - - - - - - - 1735718400 1735718460 - SKIPDATA', origin));
    expect(issue).toMatchObject({ reason: 'skipdata', source: 'vpcflow', origin });
  });

  it('reports a wrong column count as column-mismatch with both counts', () => {
    const issue = issueOf(parseFlowLine(`${REJECT_SSH} extra`, origin));
    expect(issue).toMatchObject({ reason: 'column-mismatch', message: 'expected 14 columns, found 15' });
    expect(issueOf(parseFlowLine('2 111122223333 eni-1', origin)).message).toBe('expected 14 columns, found 3');
  });

  it('tolerates a trailing carriage return, trailing blanks and doubled spaces', () => {
    expect(eventOf(parseFlowLine(`${REJECT_SSH}\r`, origin)).action).toBe('REJECT');
    expect(eventOf(parseFlowLine(`${REJECT_SSH}   `, origin)).action).toBe('REJECT');
    expect(eventOf(parseFlowLine(REJECT_SSH.replace(' 22 ', '  22 '), origin)).dstPort).toBe(22);
  });

  it.each([
    ['a non-numeric port', REJECT_SSH.replace(' 22 ', ' ssh '), 'dstport is not a number'],
    ['a port above 65535', REJECT_SSH.replace(' 22 ', ' 65536 '), 'dstport is out of range'],
    ['a negative byte count', REJECT_SSH.replace(' 840 ', ' -840 '), 'bytes is not a number'],
    ['a protocol above 255', REJECT_SSH.replace(' 6 ', ' 256 '), 'protocol is out of range'],
    ['a missing port in an OK record', REJECT_SSH.replace(' 22 ', ' - '), "dstport is missing ('-') in an OK record"],
    ['an unknown action', REJECT_SSH.replace('REJECT', 'DROP'), 'action has an unexpected value'],
    ['an unknown log-status', REJECT_SSH.replace(' OK', ' MAYBE'), 'log-status is not OK, NODATA or SKIPDATA'],
    ['a missing address', REJECT_SSH.replace('198.51.100.23', '-'), 'srcaddr and dstaddr are required'],
    ['a non-numeric version', REJECT_SSH.replace(/^2/, 'v2'), 'version has an unexpected value'],
    ['an absurd timestamp', REJECT_SSH.replace('1735718400', '99999999999999'), 'start is out of range'],
  ])('rejects %s as invalid-record', (_case, line, message) => {
    expect(issueOf(parseFlowLine(line, origin))).toMatchObject({ reason: 'invalid-record', message });
  });

  it('reads a version 5 custom format, mapping known fields and keeping the rest in extra', () => {
    const [header, ingress, egress] = fixture('vpcflow/custom-v5.log').toString('utf8').trim().split('\n');
    const layout = layoutOf(header!);
    expect(eventOf(layout.parseLine(ingress!, origin))).toMatchObject({
      version: 5,
      srcAddr: '52.95.1.10',
      dstAddr: '10.0.0.71',
      srcPort: 443,
      dstPort: 34210,
      vpcId: 'vpc-0abc1234',
      subnetId: 'subnet-0abc1234',
      instanceId: 'i-0abc1234def567890',
      interfaceId: 'eni-0abc1234def567890',
      region: 'us-east-1',
      tcpFlags: 19,
      pktSrcAddr: '52.95.1.10',
      pktDstAddr: '10.0.0.71',
      flowDirection: 'ingress',
      extra: { type: 'IPv4', 'az-id': 'use1-az1', 'pkt-src-aws-service': 'S3' },
    });
    expect(eventOf(layout.parseLine(egress!, origin)).extra).toEqual({ type: 'IPv4', 'az-id': 'use1-az1', 'pkt-dst-aws-service': 'S3', 'traffic-path': '8' });
  });

  it('keeps v7 ecs-* fields and the v8 reject-reason in extra', () => {
    const [header, accepted, blocked] = fixture('vpcflow/custom-v8-ecs.log').toString('utf8').trim().split('\n');
    const layout = layoutOf(header!);
    expect(eventOf(layout.parseLine(accepted!, origin)).extra).toEqual({
      'ecs-cluster-name': 'web-cluster',
      'ecs-task-id': '0123456789abcdef0123456789abcdef',
      'ecs-container-id': '4f1e2d3c4b5a',
    });
    expect(eventOf(layout.parseLine(blocked!, origin))).toMatchObject({ version: 8, action: 'REJECT', extra: { 'reject-reason': 'BPA' } });
  });

  it('keeps an unknown column as a string in extra', () => {
    const layout = layoutOf(`${DEFAULT_FLOW_FORMAT} future-field`);
    expect(eventOf(layout.parseLine(`${REJECT_SSH} 42`, origin)).extra).toEqual({ 'future-field': '42' });
  });

  it('keeps an unexpected flow-direction value in extra instead of guessing', () => {
    const layout = layoutOf(`${DEFAULT_FLOW_FORMAT} flow-direction`);
    const event = eventOf(layout.parseLine(`${REJECT_SSH} sideways`, origin));
    expect(event.flowDirection).toBeUndefined();
    expect(event.extra).toEqual({ 'flow-direction': 'sideways' });
  });

  it('takes the version from the format when the format has no version column, and treats an all-dash record as NODATA without log-status', () => {
    const layout = layoutOf('srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags');
    expect(eventOf(layout.parseLine('10.0.0.1 10.0.0.2 1 2 6 1 40 1735718400 1735718460 ACCEPT 2', origin))).toMatchObject({ version: 3, tcpFlags: 2 });
    expect(layout.parseLine('- - - - - - - 1735718400 1735718460 - -', origin)).toBeUndefined();
  });

  it('reuses the string of a repeated id without changing the values', () => {
    const layout = layoutOf(DEFAULT_FLOW_FORMAT);
    const first = eventOf(layout.parseLine(REJECT_SSH, origin));
    const second = eventOf(layout.parseLine(REJECT_SSH.replace('eni-0a1b2c3d4e5f60718', 'eni-0ffffffffffffffff'), origin));
    const third = eventOf(layout.parseLine(REJECT_SSH, origin));
    expect([first.interfaceId, second.interfaceId, third.interfaceId]).toEqual(['eni-0a1b2c3d4e5f60718', 'eni-0ffffffffffffffff', 'eni-0a1b2c3d4e5f60718']);
  });

  it('parses a range of a longer text exactly like the sliced line', () => {
    const text = `header\n${REJECT_SSH}\nnext`;
    const start = text.indexOf('\n') + 1;
    const end = text.lastIndexOf('\n');
    expect(DEFAULT_FLOW_LAYOUT.parseRange(text, start, end, origin)).toEqual(parseFlowLine(REJECT_SSH, origin));
  });
});
