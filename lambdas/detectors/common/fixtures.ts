/**
 * Builders for the events in detector cases. Defaults describe an ordinary, quiet event; a case overrides
 * only what makes it interesting, so the case reads as the story it tells.
 */
import type { ApiCallEvent, CallerIdentity, DnsQueryEvent, FlowEvent } from '../../engine/events';

/** 2025-01-01T00:00:00Z: the default event time of cases. */
export const CASE_EPOCH = Date.UTC(2025, 0, 1);
export const CASE_ACCOUNT = '111122223333';

let sequence = 0;

type ApiCallOverrides = Partial<Omit<ApiCallEvent, 'identity' | 'source'>> & { identity?: Partial<CallerIdentity> };

export function apiCall(overrides: ApiCallOverrides = {}): ApiCallEvent {
  sequence++;
  const { identity, ...rest } = overrides;
  return {
    source: 'cloudtrail',
    time: CASE_EPOCH,
    eventId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    eventName: 'DescribeInstances',
    eventSource: 'ec2.amazonaws.com',
    eventType: 'AwsApiCall',
    region: 'us-east-1',
    accountId: CASE_ACCOUNT,
    sourceIp: '198.51.100.10',
    userAgent: 'aws-cli/2.15.0',
    readOnly: true,
    // A case that names another identity type describes that identity whole; alice's details do not leak in.
    identity:
      identity?.type && identity.type !== 'IAMUser'
        ? { accountId: CASE_ACCOUNT, ...identity, type: identity.type }
        : { type: 'IAMUser', userName: 'alice', arn: `arn:aws:iam::${CASE_ACCOUNT}:user/alice`, principalId: 'AIDAEXAMPLE', accessKeyId: 'AKIAEXAMPLE', accountId: CASE_ACCOUNT, ...identity },
    raw: {},
    origin: { input: 'case', index: sequence },
    ...rest,
  };
}

export function flow(overrides: Partial<Omit<FlowEvent, 'source'>> = {}): FlowEvent {
  sequence++;
  const time = overrides.time ?? CASE_EPOCH;
  return {
    source: 'vpcflow',
    time,
    endTime: time + 60_000,
    version: 2,
    accountId: CASE_ACCOUNT,
    interfaceId: 'eni-0a1b2c3d4e5f60718',
    srcAddr: '198.51.100.23',
    dstAddr: '10.0.1.15',
    srcPort: 51544,
    dstPort: 443,
    protocol: 6,
    packets: 10,
    bytes: 840,
    action: 'ACCEPT',
    origin: { input: 'case', line: sequence },
    ...overrides,
  };
}

export function dnsQuery(overrides: Partial<Omit<DnsQueryEvent, 'source'>> = {}): DnsQueryEvent {
  sequence++;
  return {
    source: 'dns',
    time: CASE_EPOCH,
    accountId: CASE_ACCOUNT,
    region: 'us-east-1',
    vpcId: 'vpc-0abc',
    queryName: 'www.example.com',
    queryType: 'A',
    rcode: 'NOERROR',
    answers: [],
    srcAddr: '10.0.1.15',
    srcPort: 40123,
    transport: 'UDP',
    instanceId: 'i-0abc1234567890def',
    origin: { input: 'case', line: sequence },
    ...overrides,
  };
}

/** `count` inbound connection attempts from one address to one port, each from a new source port. */
export function connectionAttempts(count: number, overrides: Partial<Omit<FlowEvent, 'source'>> & { everyMs?: number } = {}): FlowEvent[] {
  const { everyMs = 5_000, ...rest } = overrides;
  const start = rest.time ?? CASE_EPOCH;
  return Array.from({ length: count }, (_, i) => flow({ packets: 12, bytes: 2_000, ...rest, srcPort: (rest.srcPort ?? 40_000) + i, time: start + i * everyMs }));
}

export const DAY = 86_400_000;
export const MINUTE = 60_000;

/**
 * One ordinary outbound HTTPS connection a day (request and response records) for `days` days from
 * `start`: the quiet history a baseline learns from.
 */
export function dailyHttps(days: number, overrides: Partial<Omit<FlowEvent, 'source'>> & { remote?: string } = {}): FlowEvent[] {
  const { remote = '52.216.10.20', ...rest } = overrides;
  const local = rest.srcAddr ?? '10.0.2.20';
  const start = rest.time ?? CASE_EPOCH;
  return Array.from({ length: days }, (_, d) => {
    const time = start + d * DAY + 12 * 3_600_000;
    return [
      flow({ ...rest, srcAddr: local, dstAddr: remote, srcPort: 40_000 + d, dstPort: 443, time, packets: 20, bytes: 4_000 }),
      flow({ ...rest, srcAddr: remote, dstAddr: local, srcPort: 443, dstPort: 40_000 + d, time, packets: 25, bytes: 30_000 }),
    ];
  }).flat();
}

/** An outbound connection's request record from `srcAddr` (default the app server) to `dstAddr:dstPort`. */
export function outbound(dstAddr: string, dstPort: number, overrides: Partial<Omit<FlowEvent, 'source'>> = {}): FlowEvent {
  return flow({ srcAddr: '10.0.2.20', srcPort: 45_000, dstAddr, dstPort, packets: 10, bytes: 1_200, ...overrides });
}
