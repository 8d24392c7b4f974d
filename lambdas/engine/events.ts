/**
 * The event model: what parsers produce and detectors consume.
 *
 * Three log sources become three small, flat event shapes. Every event keeps a pointer to where it came
 * from ({@link EventOrigin}) so that a finding or an error report can name the file and line. Times are
 * epoch milliseconds in UTC, taken from the log itself (event time), never from the wall clock.
 */

/** The three log sources Vigil reads. */
export type LogSource = 'cloudtrail' | 'vpcflow' | 'dns';

export const LOG_SOURCES: readonly LogSource[] = ['cloudtrail', 'vpcflow', 'dns'];

/**
 * Where a record came from: a file path or S3 key, plus the position inside it.
 * `line` is 1-based for line-oriented inputs; `index` is the 0-based position of a record inside a JSON
 * array or a CloudWatch Logs envelope; `offset` is a byte offset into the decompressed stream.
 */
export interface EventOrigin {
  readonly input: string;
  readonly line?: number;
  readonly index?: number;
  readonly offset?: number;
}

/** A CloudTrail record, reduced to what detectors need; the full record stays in `raw`. */
export interface ApiCallEvent {
  readonly source: 'cloudtrail';
  readonly time: number;
  readonly eventId: string;
  readonly eventName: string;
  /** Service endpoint, e.g. `iam.amazonaws.com`. */
  readonly eventSource: string;
  readonly eventType?: string;
  readonly region: string;
  /** `recipientAccountId`, falling back to `userIdentity.accountId`. */
  readonly accountId: string;
  /** Caller address as logged: an IPv4/IPv6 address, a service DNS name, or `AWS Internal`. */
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly readOnly?: boolean;
  readonly identity: CallerIdentity;
  readonly requestParameters?: Record<string, unknown> | null;
  readonly responseElements?: Record<string, unknown> | null;
  readonly additionalEventData?: Record<string, unknown>;
  readonly raw: Record<string, unknown>;
  readonly origin: EventOrigin;
}

/** `userIdentity` of a CloudTrail record. */
export interface CallerIdentity {
  /** `Root`, `IAMUser`, `AssumedRole`, `FederatedUser`, `AWSAccount`, `AWSService`, … */
  readonly type: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  /** The IAM user name, or the role name for an assumed role (from the session issuer). */
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly mfaAuthenticated?: boolean;
}

/** One VPC flow log record with traffic (`log-status` OK). NODATA/SKIPDATA never become events. */
export interface FlowEvent {
  readonly source: 'vpcflow';
  /** `start` of the aggregation window, in ms. */
  readonly time: number;
  /** `end` of the aggregation window, in ms. */
  readonly endTime: number;
  readonly version: number;
  readonly accountId?: string;
  readonly interfaceId?: string;
  readonly instanceId?: string;
  readonly vpcId?: string;
  readonly subnetId?: string;
  readonly region?: string;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** IANA protocol number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. */
  readonly protocol: number;
  readonly packets: number;
  readonly bytes: number;
  readonly action: 'ACCEPT' | 'REJECT';
  /** OR of TCP flags seen in the window (FIN 1, SYN 2, RST 4, SYN-ACK 18), when logged. */
  readonly tcpFlags?: number;
  readonly flowDirection?: 'ingress' | 'egress';
  readonly pktSrcAddr?: string;
  readonly pktDstAddr?: string;
  /** Fields of the record that are not mapped above, by column name (values other than `-`). */
  readonly extra?: Readonly<Record<string, string>>;
  readonly origin: EventOrigin;
}

/** One Route 53 Resolver query log entry. */
export interface DnsQueryEvent {
  readonly source: 'dns';
  readonly time: number;
  readonly accountId?: string;
  readonly region?: string;
  readonly vpcId?: string;
  /** Lower-cased, without the trailing dot. */
  readonly queryName: string;
  readonly queryType: string;
  readonly rcode?: string;
  readonly answers: readonly DnsAnswer[];
  readonly srcAddr?: string;
  readonly srcPort?: number;
  readonly transport?: string;
  readonly instanceId?: string;
  readonly firewallRuleAction?: string;
  readonly origin: EventOrigin;
}

export interface DnsAnswer {
  readonly rdata: string;
  readonly type: string;
  readonly class?: string;
}

export type VigilEvent = ApiCallEvent | FlowEvent | DnsQueryEvent;

/** Maps a log source to its event type, for detectors that subscribe to one source. */
export interface EventBySource {
  cloudtrail: ApiCallEvent;
  vpcflow: FlowEvent;
  dns: DnsQueryEvent;
}
