import { CreateNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetIPSetCommand, UpdateIPSetCommand, WAFOptimisticLockException, WAFV2Client } from '@aws-sdk/client-wafv2';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoBlockRegistry } from '../../lambdas/adapters/block-registry';
import { RemediationActionPublisher } from '../../lambdas/adapters/block-registry-events';
import { Ec2NetworkAclGateway } from '../../lambdas/adapters/network-acl';
import { WafIpSetGateway } from '../../lambdas/adapters/wafv2-ip-sets';
import type { Finding } from '../../lambdas/engine/finding';
import { createRespondHandler, incomingFindings } from '../../lambdas/handlers/respond';
import { Responder } from '../../lambdas/response/responder';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../lambdas/shared/constants';
import { ATTACKER_V4, C2_SERVER, REGIONAL_V4, REGIONAL_V6, enforcedConfig, inboundBruteForce, outboundC2 } from '../support/response-findings';
import { startBlockRegistryTable, type BlockRegistryTable } from '../support/response-dynalite';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const waf = mockClient(WAFV2Client);
const ec2 = mockClient(EC2Client);
const events = mockClient(EventBridgeClient);
const NOW = Date.UTC(2026, 2, 1, 12);
const fastBackoff = { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 4, sleep: async () => undefined };

let table: BlockRegistryTable;
beforeAll(async () => {
  table = await startBlockRegistryTable('vigil-blocks-respond');
});
afterAll(async () => {
  await table?.close();
});
beforeEach(() => {
  waf.reset();
  ec2.reset();
  events.reset();
  events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) }));
  ec2.on(DescribeNetworkAclsCommand).resolves({
    NetworkAcls: [
      {
        NetworkAclId: 'acl-0c0ffee',
        VpcId: 'vpc-0v1',
        Entries: [
          { RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32767, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 100, Egress: true, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32767, Egress: true, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
        ],
      },
    ],
  });
  ec2.on(CreateNetworkAclEntryCommand).resolves({});
  waf.on(GetIPSetCommand).resolves({ LockToken: 'lock-1', IPSet: { Name: REGIONAL_V4.name, Id: REGIONAL_V4.id, ARN: 'arn', IPAddressVersion: 'IPV4', Addresses: [] } });
});

function handler() {
  const registry = new DynamoBlockRegistry({ client: table.documentClient, tableName: table.tableName });
  const responder = new Responder({
    config: enforcedConfig({ waf: { mode: 'enforce', ipSets: [REGIONAL_V4, REGIONAL_V6] } }),
    registry,
    waf: new WafIpSetGateway({ regional: new WAFV2Client({ region: 'eu-west-1' }), backoff: fastBackoff }),
    nacl: new Ec2NetworkAclGateway({ client: new EC2Client({ region: 'eu-west-1' }) }),
    publisher: new RemediationActionPublisher({ client: new EventBridgeClient({ region: 'eu-west-1' }), eventBusName: 'vigil-findings' }),
    clock: () => NOW,
  });
  return { registry, respond: createRespondHandler({ responder, logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: 'VigilTest' }) }) };
}

function busEvent(finding: Finding) {
  return { version: '0', id: `ev-${finding.id}`, 'detail-type': DETAIL_TYPE.FINDING, source: EVENT_SOURCE, account: '111122223333', time: '2026-03-01T12:00:00Z', region: 'eu-west-1', resources: [finding.arn], detail: finding };
}

function sqs(...bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, i) => ({ messageId: `m${i}`, body, receiptHandle: 'r', attributes: {} as never, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:vigil-respond', awsRegion: 'eu-west-1' })) };
}

describe('respond handler', () => {
  it('takes findings from the bus to one WAF update, NACL denies, registry records and published actions', async () => {
    const { respond, registry } = handler();
    waf.on(UpdateIPSetCommand).rejectsOnce(new WAFOptimisticLockException({ message: 'changed', $metadata: {} })).resolves({ NextLockToken: 'lock-2' });
    const inbound = inboundBruteForce(ATTACKER_V4, 8, { id: 'a'.repeat(32) });
    const outbound = outboundC2(C2_SERVER, 8, { id: 'b'.repeat(32) });

    const result = await respond(sqs(JSON.stringify(busEvent(inbound)), JSON.stringify(busEvent(outbound))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(waf.commandCalls(UpdateIPSetCommand).at(-1)!.args[0].input).toMatchObject({ Id: REGIONAL_V4.id, Addresses: [`${ATTACKER_V4}/32`], LockToken: 'lock-1' });
    expect(ec2).toHaveReceivedCommandWith(CreateNetworkAclEntryCommand, { NetworkAclId: 'acl-0c0ffee', Egress: false, RuleAction: 'deny', CidrBlock: `${ATTACKER_V4}/32` });
    expect(ec2).toHaveReceivedCommandWith(CreateNetworkAclEntryCommand, { NetworkAclId: 'acl-0c0ffee', Egress: true, RuleAction: 'deny', CidrBlock: `${C2_SERVER}/32` });

    const records = [...(await registry.listByAddress(`${ATTACKER_V4}/32`)), ...(await registry.listByAddress(`${C2_SERVER}/32`))];
    expect(records.map((r) => [r.address, r.target, r.status, r.findingId]).sort()).toEqual(
      [
        [`${ATTACKER_V4}/32`, `waf:REGIONAL:${REGIONAL_V4.id}`, 'active', inbound.id],
        [`${ATTACKER_V4}/32`, 'nacl:acl-0c0ffee:ingress', 'active', inbound.id],
        [`${C2_SERVER}/32`, 'nacl:acl-0c0ffee:egress', 'active', outbound.id],
      ].sort(),
    );
    const published = events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(published).toHaveLength(3);
    expect(published.every((e) => e.Source === EVENT_SOURCE && e.DetailType === DETAIL_TYPE.REMEDIATION_ACTION)).toBe(true);
    expect(published.map((e) => JSON.parse(e.Detail!).action)).toEqual(['block', 'block', 'block']);
  });

  it('drops bad input without failing the batch or throwing', async () => {
    const { respond } = handler();
    const notAFinding = { ...busEvent(inboundBruteForce()), detail: { hello: 'world' } };
    const otherSource = { ...busEvent(inboundBruteForce()), source: 'aws.guardduty' };
    const result = await respond(sqs('{not json', JSON.stringify(notAFinding), JSON.stringify(otherSource)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(waf).not.toHaveReceivedCommand(UpdateIPSetCommand);
  });

  it('fails exactly the messages whose findings could not be blocked, so SQS retries only those', async () => {
    const { respond } = handler();
    waf.on(UpdateIPSetCommand).rejects(new WAFOptimisticLockException({ message: 'changed', $metadata: {} }));
    const inbound = inboundBruteForce('45.3.3.3', 8, { id: 'c'.repeat(32) });
    const outbound = outboundC2('185.3.3.3', 8, { id: 'd'.repeat(32) });
    const result = await respond(sqs(JSON.stringify(busEvent(outbound)), JSON.stringify(busEvent(inbound))));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('accepts a single EventBridge event delivered directly', async () => {
    const { respond } = handler();
    waf.on(UpdateIPSetCommand).resolves({});
    const result = await respond(busEvent(inboundBruteForce('45.4.4.4', 8)) as never);
    expect(result).toEqual({ findings: 1, actions: 2 });
  });
});

describe('incomingFindings', () => {
  it('names why a message is not a finding', () => {
    expect(incomingFindings(sqs('[]'))[0]).toEqual({ messageId: 'm0', rejection: 'not an object' });
  });
});
