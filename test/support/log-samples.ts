/**
 * Raw logs and AWS event envelopes for pipeline tests, in the formats AWS delivers them (see
 * /work/shared/reference/log-formats.md): CloudTrail files, VPC flow log files, CloudWatch Logs
 * subscription payloads, S3 notifications in SQS (direct and through SNS), Kinesis and EventBridge events.
 * Every address is from the documentation ranges and every account id is fictitious.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { EventBridgeEvent, KinesisStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
/** 2025-01-01T00:00:00Z: the logs are old, as in a replay, so nothing depends on the wall clock. */
export const LOG_T0 = Date.UTC(2025, 0, 1, 0, 0, 0);
export const ATTACKER = '198.51.100.23';
export const THREAT_LISTED_IP = '203.0.113.66';
export const ENI = 'eni-0a1b2c3d4e5f60718';
export const INSTANCE_IP = '10.0.1.15';

type Json = Record<string, unknown>;

export function cloudTrailRecord(options: {
  eventName: string;
  eventSource: string;
  identity: Json;
  sourceIp?: string;
  at?: number;
  readOnly?: boolean;
  requestParameters?: Json | null;
  eventType?: string;
}): Json {
  return {
    eventVersion: '1.08',
    userIdentity: { accountId: ACCOUNT, ...options.identity },
    eventTime: new Date(options.at ?? LOG_T0).toISOString().replace('.000Z', 'Z'),
    eventSource: options.eventSource,
    eventName: options.eventName,
    awsRegion: REGION,
    sourceIPAddress: options.sourceIp ?? '192.0.2.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: options.requestParameters ?? null,
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: options.readOnly ?? false,
    eventType: options.eventType ?? 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

const ROOT = { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root` };
const ALICE = { type: 'IAMUser', principalId: 'AIDAEXAMPLEEXAMPLE01', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, userName: 'alice', accessKeyId: 'AKIAEXAMPLEALICE0001' };

/** Root lists buckets, alice stops the trail, alice describes instances from a threat-listed address, and ordinary reads. */
export function attackTrailRecords(at = LOG_T0): Json[] {
  return [
    cloudTrailRecord({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', identity: ROOT, readOnly: true, at }),
    cloudTrailRecord({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', identity: ALICE, requestParameters: { name: 'org-trail' }, at: at + 60_000 }),
    cloudTrailRecord({ eventName: 'DescribeInstances', eventSource: 'ec2.amazonaws.com', identity: ALICE, sourceIp: THREAT_LISTED_IP, readOnly: true, at: at + 120_000 }),
    ...Array.from({ length: 20 }, (_, i) =>
      cloudTrailRecord({ eventName: 'GetObject', eventSource: 's3.amazonaws.com', identity: ALICE, readOnly: true, at: at + 180_000 + i * 1000 }),
    ),
  ];
}

/** A CloudTrail S3 object: gzip of `{"Records":[…]}`. */
export function cloudTrailFile(records: readonly Json[]): Buffer {
  return gzipSync(Buffer.from(JSON.stringify({ Records: records })));
}

export function cloudTrailKey(at = LOG_T0, unique = 'AbCdEfGhIjKlMnOp'): string {
  const d = new Date(at);
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  const stamp = d.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  return `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day}/${ACCOUNT}_CloudTrail_${REGION}_${stamp}_${unique}.json.gz`;
}

export const FLOW_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/**
 * Flow records (version 2 default format) of `count` short inbound SSH connections from `attacker`, each
 * from its own client port, `everyMs` apart: what a password-guessing tool leaves in the logs.
 */
export function sshBruteForceLines(options: { attacker?: string; count?: number; at?: number; everyMs?: number; firstPort?: number } = {}): string[] {
  const attacker = options.attacker ?? ATTACKER;
  const at = options.at ?? LOG_T0;
  const every = options.everyMs ?? 10_000;
  return Array.from({ length: options.count ?? 25 }, (_, i) => {
    const start = Math.floor((at + i * every) / 1000);
    return `2 ${ACCOUNT} ${ENI} ${attacker} ${INSTANCE_IP} ${(options.firstPort ?? 40000) + i} 22 6 12 1840 ${start} ${start + 5} ACCEPT OK`;
  });
}

/** Ordinary traffic: HTTPS from a few clients, and a NODATA record. */
export function backgroundFlowLines(at = LOG_T0): string[] {
  const start = Math.floor(at / 1000);
  return [
    `2 ${ACCOUNT} ${ENI} 192.0.2.44 ${INSTANCE_IP} 51544 443 6 10 5120 ${start} ${start + 60} ACCEPT OK`,
    `2 ${ACCOUNT} ${ENI} ${INSTANCE_IP} 192.0.2.44 443 51544 6 8 9000 ${start} ${start + 60} ACCEPT OK`,
    `2 ${ACCOUNT} ${ENI} - - - - - - - ${start} ${start + 60} - NODATA`,
  ];
}

/** A flow log S3 object: gzip of the header line and the records. */
export function flowLogFile(lines: readonly string[]): Buffer {
  return gzipSync(Buffer.from([FLOW_HEADER, ...lines].join('\n') + '\n'));
}

export function flowLogKey(at = LOG_T0, unique = 'fe123456'): string {
  const d = new Date(at);
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  const stamp = d.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
  return `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${day}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-1234abcd_${stamp}_${unique}.log.gz`;
}

/** A CloudWatch Logs subscription payload as Kinesis carries it: gzip of the JSON message (base64 happens in transit). */
export function subscriptionPayload(logGroup: string, messages: readonly string[], at = LOG_T0): Buffer {
  return gzipSync(
    Buffer.from(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: ACCOUNT,
        logGroup,
        logStream: logGroup === '/vpc/flow' ? `${ENI}-all` : `${ACCOUNT}_CloudTrail_${REGION}`,
        subscriptionFilters: ['to-kinesis'],
        logEvents: messages.map((message, i) => ({ id: `${at}${String(i).padStart(6, '0')}`, timestamp: at + i, message })),
      }),
    ),
  );
}

/** The S3 event notification S3 sends for a new object; the key is URL-encoded with `+` for spaces. */
export function s3Notification(bucket: string, key: string, object: { size: number; eTag?: string }): Json {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: new Date(LOG_T0).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'vigil-logs',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: object.size, ...(object.eTag ? { eTag: object.eTag } : {}), sequencer: '0065A1B2C3D4E5F601' },
        },
      },
    ],
  };
}

/** The same notification inside an SNS envelope (S3 → SNS → SQS without raw message delivery). */
export function snsEnvelope(message: Json): Json {
  return { Type: 'Notification', MessageId: randomUUID(), TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:vigil-logs`, Message: JSON.stringify(message), Timestamp: new Date(LOG_T0).toISOString() };
}

export const S3_TEST_EVENT = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date(LOG_T0).toISOString(), Bucket: 'logs', RequestId: 'R1', HostId: 'H1' };

export function sqsEvent(bodies: readonly (Json | string)[], queue = 'vigil-ingest'): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `msg-${i}-${randomUUID()}`,
        receiptHandle: `rh-${i}`,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(LOG_T0), SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: String(LOG_T0) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`,
        awsRegion: REGION,
      }),
    ),
  };
}

/** Records as GetRecords returns them, turned into the event Lambda's Kinesis event source mapping sends. */
export function kinesisEvent(
  stream: string,
  shardId: string,
  records: readonly { SequenceNumber?: string; PartitionKey?: string; Data?: Uint8Array; ApproximateArrivalTimestamp?: Date }[],
): KinesisStreamEvent {
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? 'pk',
        sequenceNumber: r.SequenceNumber!,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? LOG_T0) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/vigil-ingest-stream`,
      awsRegion: REGION,
      eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${stream}`,
    })),
  };
}

/** A CloudTrail record as the default event bus delivers it to a rule's target. */
export function cloudTrailBusEvent(record: Json): EventBridgeEvent<string, Json> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(record.eventSource).split('.')[0]}`,
    account: ACCOUNT,
    time: String(record.eventTime),
    region: REGION,
    resources: [],
    detail: record,
  };
}

export { ALICE, ROOT };
