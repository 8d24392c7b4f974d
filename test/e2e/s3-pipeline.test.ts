/**
 * End to end: log files put into S3 (s3rver) and announced through SQS events reach DynamoDB (dynalite)
 * as GuardDuty-shaped findings and EventBridge (mocked) as `vigil` events, through the real ingest-s3
 * handler and real SDK clients.
 */
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  attackTrailRecords,
  backgroundFlowLines,
  cloudTrailFile,
  cloudTrailKey,
  flowLogFile,
  flowLogKey,
  LOG_T0,
  S3_TEST_EVENT,
  s3Notification,
  snsEnvelope,
  sqsEvent,
  sshBruteForceLines,
  THREAT_LISTED_IP,
  ATTACKER,
  ENI,
} from '../support/log-samples';
import { LOG_BUCKET, usePipeline, type PipelineEnv } from '../support/pipeline';

const pipeline = usePipeline();

const EXPECTED_TYPES = [
  'Policy:IAMUser/RootCredentialUsage',
  'Stealth:IAMUser/CloudTrailLoggingDisabled',
  'Recon:IAMUser/MaliciousIPCaller.Custom',
  'UnauthorizedAccess:EC2/SSHBruteForce',
].sort();

/** Puts the two attack log files into S3 and returns the SQS event announcing them (one through SNS). */
async function deliverAttackLogs(env: PipelineEnv) {
  const trailKey = cloudTrailKey();
  // A prefix with a space shows that `+` in notification keys is decoded.
  const flowKey = `flow logs/${flowLogKey()}`;
  const trail = await env.putObject(trailKey, cloudTrailFile(attackTrailRecords()));
  const flows = await env.putObject(flowKey, flowLogFile([...backgroundFlowLines(), ...sshBruteForceLines()]));
  return sqsEvent([s3Notification(LOG_BUCKET, trailKey, trail), snsEnvelope(s3Notification(LOG_BUCKET, flowKey, flows)), S3_TEST_EVENT]);
}

function summary(items: Map<string, Record<string, unknown>>) {
  return [...items.values()].map((i) => ({ type: i.type, count: (i.finding as any).service.count, revision: i.revision })).sort((a, b) => String(a.type).localeCompare(String(b.type)));
}

describe('S3 → SQS → ingest-s3 → DynamoDB + EventBridge', () => {
  it('turns a gzipped CloudTrail file and a flow log file into stored findings and GuardDuty-shaped events', async () => {
    const env = await pipeline.fresh();
    const response = await env.ingestS3(await deliverAttackLogs(env));
    expect(response.batchItemFailures).toEqual([]);

    const findings = await env.findings();
    expect([...findings.values()].map((f) => f.type).sort()).toEqual(EXPECTED_TYPES);
    for (const item of findings.values()) {
      const finding = item.finding as Record<string, any>;
      expect(item).toMatchObject({ gsiPk: 'finding', severity: finding.severity, updatedAt: finding.updatedAt, type: finding.type });
      // Published at once as new findings, so nothing is left pending.
      expect(item.publishState).toBeUndefined();
      expect(item.publishedRevision).toBe(item.revision);
    }
    const ssh = [...findings.values()].find((f) => f.type === 'UnauthorizedAccess:EC2/SSHBruteForce')!.finding as Record<string, any>;
    expect(ssh.service.action.networkConnectionAction).toMatchObject({ connectionDirection: 'INBOUND', localPortDetails: { port: 22 }, remoteIpDetails: { ipAddressV4: ATTACKER } });
    expect(ssh.service.eventFirstSeen >= new Date(LOG_T0).toISOString()).toBe(true);
    const threat = [...findings.values()].find((f) => f.type === 'Recon:IAMUser/MaliciousIPCaller.Custom')!.finding as Record<string, any>;
    expect(threat.service.additionalInfo?.threatListName).toBe('known-bad');
    expect(threat.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4).toBe(THREAT_LISTED_IP);

    const calls = env.eventBridge.commandCalls(PutEventsCommand);
    const entries = calls.flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      const detail = JSON.parse(entry.Detail!);
      expect(entry).toMatchObject({ Source: 'vigil', DetailType: 'Vigil Finding', EventBusName: 'vigil-findings', Resources: [detail.arn] });
      expect(detail).toMatchObject({ schemaVersion: '2.0', accountId: '111122223333', region: 'us-east-1', partition: 'aws', service: { serviceName: 'guardduty', archived: false } });
      expect(detail.arn).toMatch(/^arn:aws:guardduty:us-east-1:111122223333:detector\/[0-9a-f]{32}\/finding\/[0-9a-f]{32}$/);
      expect(detail).toEqual(findings.get(detail.id)!.finding);
    }

    expect(env.metrics.get('EventsIn{source=cloudtrail}')).toBe(23);
    expect(env.metrics.get('EventsIn{source=vpcflow}')).toBe(27);
    expect(env.metrics.get('FindingsNew')).toBe(4);
    expect(env.metrics.get('FindingsPublished')).toBe(4);
  });

  it('changes no count and publishes nothing when the same batch is delivered twice', async () => {
    const env = await pipeline.fresh();
    const event = await deliverAttackLogs(env);
    await env.ingestS3(event);
    const findingsBefore = await env.findings();
    const stateBefore = await env.stateItems();
    const eventsBefore = env.eventBridge.commandCalls(PutEventsCommand).length;

    const again = await env.ingestS3(event);
    expect(again.batchItemFailures).toEqual([]);
    expect(await env.findings()).toEqual(findingsBefore);
    expect(await env.stateItems()).toEqual(stateBefore);
    expect(env.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(eventsBefore);
    expect(env.metrics.get('RedeliveredBatches')).toBe(2);
  });

  it('counts nothing twice when a batch that crashed before its ledger entry is delivered again', async () => {
    const control = await pipeline.fresh();
    await control.ingestS3(await deliverAttackLogs(control));
    const expected = summary(await control.findings());

    const env = await pipeline.fresh();
    const event = await deliverAttackLogs(env);
    // The first delivery writes state and findings, then dies before recording its tokens in the ledger.
    const raw = pipeline.dynamodb();
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } } };
        if (context.commandName === 'PutItemCommand' && input.Item?.pk?.S?.startsWith('ledger#')) throw new Error('Lambda timed out');
        return next(args);
      },
      { step: 'build', name: 'crashBeforeLedger' },
    );
    let first;
    try {
      first = await env.ingestS3(event);
    } finally {
      raw.middlewareStack.remove('crashBeforeLedger');
    }
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0]!.messageId, event.Records[1]!.messageId]);

    const second = await env.ingestS3(event);
    expect(second.batchItemFailures).toEqual([]);
    expect(summary(await env.findings()).map(({ type, count }) => ({ type, count }))).toEqual(expected.map(({ type, count }) => ({ type, count })));
  });

  it('keeps retrying the events EventBridge refused until it takes them', async () => {
    const env = await pipeline.fresh();
    env.eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'b' }, { ErrorCode: 'ThrottlingException' }] })
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `ok-${i}` })) }));
    const key = cloudTrailKey();
    const object = await env.putObject(key, cloudTrailFile(attackTrailRecords()));

    const response = await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, key, object)]));
    expect(response.batchItemFailures).toEqual([]);
    const sent = env.eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).id as string));
    expect(sent.map((ids) => ids.length)).toEqual([3, 2, 1]);
    // Only what EventBridge refused is sent again.
    expect(sent[1]).toEqual(sent[0]!.slice(1));
    expect(sent[2]).toEqual(sent[1]!.slice(1));
    expect([...(await env.findings()).values()].every((f) => f.publishState === undefined)).toBe(true);
  });

  it('reports the message as failed when EventBridge never takes the events, and publish-updates sends them later', async () => {
    const env = await pipeline.fresh();
    env.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const key = cloudTrailKey();
    const object = await env.putObject(key, cloudTrailFile([attackTrailRecords()[0]!]));
    const event = sqsEvent([s3Notification(LOG_BUCKET, key, object)]);
    expect((await env.ingestS3(event)).batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect([...(await env.findings()).values()].map((f) => f.publishState)).toEqual(['NEW']);

    env.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ok' }] });
    expect(await env.publishUpdates()).toMatchObject({ published: 1, newFindings: 1 });
    expect([...(await env.findings()).values()].map((f) => f.publishState)).toEqual([undefined]);
  });

  it('publishes updates to a finding only once the publishing interval has passed', async () => {
    let now = Date.UTC(2026, 5, 1);
    const env = await pipeline.fresh({ publishFrequency: 'FIFTEEN_MINUTES', clock: () => now });
    const first = await env.putObject(flowLogKey(LOG_T0, 'a1'), flowLogFile(sshBruteForceLines()));
    await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, flowLogKey(LOG_T0, 'a1'), first)]));
    // Twenty minutes later (in the logs) the attack goes on: the same finding, updated.
    const later = LOG_T0 + 20 * 60_000;
    const second = await env.putObject(flowLogKey(later, 'b2'), flowLogFile(sshBruteForceLines({ at: later, firstPort: 50000 })));
    await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, flowLogKey(later, 'b2'), second)]));
    expect(env.publishedDetails().map((d) => d.service.count)).toEqual([25]);

    now += 5 * 60_000;
    expect(await env.publishUpdates()).toMatchObject({ published: 0 });
    now += 10 * 60_000;
    expect(await env.publishUpdates()).toMatchObject({ published: 1, newFindings: 0 });
    expect(env.publishedDetails().map((d) => d.service.count)).toEqual([25, 50]);
  });

  it('skips digests, folder markers and deleted objects, and sends non-notifications to the dead-letter queue', async () => {
    const env = await pipeline.fresh();
    const digest = await env.putObject('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/01/01/d.json.gz', cloudTrailFile([]));
    const event = sqsEvent([
      s3Notification(LOG_BUCKET, 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/01/01/d.json.gz', digest),
      s3Notification(LOG_BUCKET, 'AWSLogs/111122223333/CloudTrail/', { size: 0 }),
      s3Notification(LOG_BUCKET, cloudTrailKey(LOG_T0, 'DeletedBeforeRead'), { size: 100 }),
      'not json at all',
    ]);
    const response = await env.ingestS3(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[3]!.messageId }]);
    expect(env.metrics.get('InputsSkipped{reason=cloudtrail-digest}')).toBe(1);
    expect(env.metrics.get('InputsSkipped{reason=folder-marker}')).toBe(1);
    expect(env.metrics.get('InputsSkipped{reason=object-gone}')).toBe(1);
    expect(env.metrics.get('InputsFailed{reason=invalid-notification}')).toBe(1);
    expect((await env.findings()).size).toBe(0);
  });

  it('counts and sets aside corrupt and malformed records while processing the rest of the file', async () => {
    const env = await pipeline.fresh();
    const good = sshBruteForceLines();
    const lines = [...good.slice(0, 10), 'this is not a flow record', '2 111122223333 eni-1 1.2.3.4', ...good.slice(10)];
    const key = flowLogKey(LOG_T0, 'bad1');
    const object = await env.putObject(key, flowLogFile(lines));
    const response = await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, key, object)]));
    expect(response.batchItemFailures).toEqual([]);
    expect(env.metrics.get('EventsRejected{reason=column-mismatch}')).toBe(2);
    expect([...(await env.findings()).values()].map((f) => f.type)).toEqual(['UnauthorizedAccess:EC2/SSHBruteForce']);
  });

  it('stores a finding archived by a suppression rule without publishing it', async () => {
    const rules = [{ name: 'root-is-expected', action: 'ARCHIVE', rank: 1, findingCriteria: { criterion: { type: { eq: ['Policy:IAMUser/RootCredentialUsage'] } } } }];
    const env = await pipeline.fresh({ env: { VIGIL_SUPPRESSION_RULES: JSON.stringify(rules) } });
    const key = cloudTrailKey();
    const object = await env.putObject(key, cloudTrailFile(attackTrailRecords()));
    await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, key, object)]));
    const root = [...(await env.findings()).values()].find((f) => f.type === 'Policy:IAMUser/RootCredentialUsage')!;
    expect(root).toMatchObject({ archived: true, archiveReason: { by: 'suppression-rule', rule: 'root-is-expected' } });
    expect(root.publishState).toBeUndefined();
    expect(env.publishedDetails().map((d) => d.type)).not.toContain('Policy:IAMUser/RootCredentialUsage');
  });

  it('describes the attacked instance from EC2 in the stored and published finding', async () => {
    const ec2Client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAVIGILTEST0000000', secretAccessKey: 'x' } });
    const ec2 = mockClient(ec2Client);
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: ENI, Attachment: { InstanceId: 'i-0bastion000000001' } }] });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0bastion000000001', InstanceType: 't3.micro', Tags: [{ Key: 'Name', Value: 'bastion' }], NetworkInterfaces: [{ NetworkInterfaceId: ENI, Association: { PublicIp: '203.0.113.10' } }] }] }],
    });
    try {
      const env = await pipeline.fresh({ ec2: ec2Client });
      const key = flowLogKey(LOG_T0, 'ec2');
      const object = await env.putObject(key, flowLogFile(sshBruteForceLines()));
      await env.ingestS3(sqsEvent([s3Notification(LOG_BUCKET, key, object)]));
      const [stored] = [...(await env.findings()).values()];
      expect((stored!.finding as any).resource.instanceDetails).toMatchObject({ instanceId: 'i-0bastion000000001', instanceType: 't3.micro', tags: [{ key: 'Name', value: 'bastion' }] });
      expect(env.publishedDetails()[0]!.resource.instanceDetails.networkInterfaces[0].publicIp).toBe('203.0.113.10');
    } finally {
      ec2.restore();
    }
  });

  it('loses no occurrence when Lambdas in several containers update the same finding at once', async () => {
    const env = await pipeline.fresh();
    const containers = [env.ingestS3, await env.anotherContainer(), await env.anotherContainer(), await env.anotherContainer()];
    const events: ReturnType<typeof sqsEvent>[] = [];
    for (let i = 0; i < containers.length; i++) {
      // Each file holds i + 1 root calls; all of them fold into the one root-usage finding.
      const records = Array.from({ length: i + 1 }, (_, j) => attackTrailRecords(LOG_T0 + (i * 10 + j) * 60_000)[0]!);
      const key = cloudTrailKey(LOG_T0, `Concurrent${i}`.padEnd(16, 'x'));
      events.push(sqsEvent([s3Notification(LOG_BUCKET, key, await env.putObject(key, cloudTrailFile(records)))]));
    }
    const responses = await Promise.all(containers.map((handler, i) => handler(events[i]!)));
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const [root] = [...(await env.findings()).values()];
    expect((root!.finding as any).service.count).toBe(1 + 2 + 3 + 4);
  });
});
