/**
 * End to end: CloudWatch Logs subscription payloads put into Kinesis (kinesalite), read back with
 * GetRecords as the Lambda event source mapping would, and handed to the real ingest-stream handler; and a
 * CloudTrail event from the default bus handed to ingest-cloudtrail-event.
 */
import { randomBytes } from 'node:crypto';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ACCOUNT,
  ALICE,
  cloudTrailBusEvent,
  cloudTrailRecord,
  kinesisEvent,
  LOG_T0,
  ROOT,
  sshBruteForceLines,
  subscriptionPayload,
} from '../support/log-samples';
import { usePipeline } from '../support/pipeline';

const pipeline = usePipeline();
let streams = 0;

/** Puts payloads into a new one-shard stream and reads them back as one Lambda Kinesis event. */
async function throughKinesis(payloads: readonly Uint8Array[]) {
  const kinesis = pipeline.kinesis();
  const stream = `vigil-logs-${process.pid}-${++streams}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { StreamName: stream });
  const put = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: payloads.map((Data, i) => ({ Data, PartitionKey: `p${i}` })) }));
  expect(put.FailedRecordCount).toBe(0);
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const shardId = Shards![0]!.ShardId!;
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  expect(Records).toHaveLength(payloads.length);
  return kinesisEvent(stream, shardId, Records!);
}

describe('CloudWatch Logs → Kinesis → ingest-stream → DynamoDB + EventBridge', () => {
  it('turns subscription payloads into findings and reports only the poisoned record as a batch item failure', async () => {
    const env = await pipeline.fresh();
    const lines = sshBruteForceLines({ count: 30 });
    const event = await throughKinesis([
      subscriptionPayload('/vpc/flow', lines.slice(0, 15)),
      randomBytes(300), // poisoned: neither gzip nor JSON
      subscriptionPayload('/vpc/flow', lines.slice(15)),
      subscriptionPayload('/aws/cloudtrail', [JSON.stringify(cloudTrailRecord({ eventName: 'DeleteTrail', eventSource: 'cloudtrail.amazonaws.com', identity: ALICE, requestParameters: { name: 'main' } }))]),
    ]);

    const response = await env.ingestStream(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }]);

    const findings = [...(await env.findings()).values()];
    expect(findings.map((f) => f.type).sort()).toEqual(['Stealth:IAMUser/CloudTrailLoggingDisabled', 'UnauthorizedAccess:EC2/SSHBruteForce']);
    // 15 attempts per record, under the threshold of 20: only state kept across records can raise this.
    expect(findings.find((f) => f.type === 'UnauthorizedAccess:EC2/SSHBruteForce')!.finding).toMatchObject({ accountId: ACCOUNT, resource: { resourceType: 'Instance' } });
    expect(env.publishedDetails().map((d) => d.type).sort()).toEqual(findings.map((f) => f.type).sort());
    expect(env.metrics.get('InputsFailed{reason=poisoned-record}')).toBe(1);
    expect(env.metrics.get('EventsRejected{reason=corrupt-gzip}') + env.metrics.get('EventsRejected{reason=malformed-json}')).toBe(1);
  });

  it('changes no count when Lambda reads the same records again after the poisoned one', async () => {
    const env = await pipeline.fresh();
    const event = await throughKinesis([subscriptionPayload('/vpc/flow', sshBruteForceLines({ count: 25 })), Buffer.from('{"not":"gzip"}')]);
    await env.ingestStream(event);
    const before = await env.findings();
    const stateBefore = await env.stateItems();
    // Kinesis retries from the failed record on; with bisection the whole batch comes back.
    const again = await env.ingestStream(event);
    expect(again.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }]);
    expect(await env.findings()).toEqual(before);
    expect(await env.stateItems()).toEqual(stateBefore);
  });

  it('drops CloudWatch Logs control messages without failing or counting them', async () => {
    const env = await pipeline.fresh();
    const { gzipSync } = await import('node:zlib');
    const control = gzipSync(Buffer.from(JSON.stringify({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [] })));
    const response = await env.ingestStream(await throughKinesis([control]));
    expect(response.batchItemFailures).toEqual([]);
    expect((await env.findings()).size).toBe(0);
  });
});

describe('default bus → ingest-cloudtrail-event', () => {
  it('raises a finding from one CloudTrail event and publishes it', async () => {
    const env = await pipeline.fresh();
    const result = await env.ingestCloudTrailEvent(
      cloudTrailBusEvent(cloudTrailRecord({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', identity: ALICE, requestParameters: { name: 'org-trail' }, at: LOG_T0 })),
    );
    expect(result).toEqual({ status: 'processed', findingsNew: 1, findingsUpdated: 0, published: 1 });
    expect(env.publishedDetails()).toEqual([expect.objectContaining({ type: 'Stealth:IAMUser/CloudTrailLoggingDisabled', accountId: ACCOUNT })]);
  });

  it('sets aside an event that carries no CloudTrail record and still succeeds', async () => {
    const env = await pipeline.fresh();
    const notCloudTrail = { ...cloudTrailBusEvent(cloudTrailRecord({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', identity: ROOT })), 'detail-type': 'Object Created' };
    expect(await env.ingestCloudTrailEvent(notCloudTrail)).toMatchObject({ status: 'rejected' });
    expect(env.metrics.get('EventsRejected{reason=invalid-record}')).toBe(1);
    expect(env.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
