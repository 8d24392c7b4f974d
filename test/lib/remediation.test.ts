import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BLOCK_REGISTRY_SCHEMA } from '../../lambdas/adapters/block-registry';
import { parseResponseConfig } from '../../lambdas/response/config';
import { ENV } from '../../lambdas/shared/constants';
import { Remediation, type RemediationSettings } from '../../lib/constructs/remediation';

function build(settings?: RemediationSettings): { stack: Stack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'TestStack');
  const encryptionKey = new kms.Key(stack, 'Key');
  const findingsBus = new events.EventBus(stack, 'Bus');
  new Remediation(stack, 'Remediation', { findingsBus, encryptionKey, ...(settings ? { settings } : {}) });
  return { stack, template: Template.fromStack(stack) };
}

type Policy = { Properties: { PolicyDocument: { Statement: never[] }; Roles: unknown[] } };

/** Statements of the policies attached to roles whose logical id matches `role` (all roles by default). */
function policyStatements(template: Template, role = /./): { Action: unknown; Resource: unknown; Condition?: unknown }[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Policy[])
    .filter((p) => role.test(JSON.stringify(p.Properties.Roles)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const existingSet = { scope: 'REGIONAL', name: 'edge-blocked-v4', id: 'set-1', version: 'IPV4', arn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/edge-blocked-v4/set-1' } as const;

describe('Remediation construct', () => {
  it('scopes WAF permissions to the IP sets it creates', () => {
    const { template } = build({ waf: { mode: 'enforce' } });
    template.resourceCountIs('AWS::WAFv2::IPSet', 2);
    const waf = policyStatements(template).filter((s) => JSON.stringify(s.Action).includes('wafv2:UpdateIPSet'));
    expect(waf.length).toBeGreaterThan(0);
    for (const s of waf) {
      expect(s.Resource).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/BlockedAddressesV4/), 'Arn'] },
        { 'Fn::GetAtt': [expect.stringMatching(/BlockedAddressesV6/), 'Arn'] },
      ]);
    }
  });

  it('creates a web ACL that blocks both IP sets', () => {
    const { template } = build({ waf: { mode: 'enforce' } });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({ Action: { Block: {} }, Statement: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('BlockedAddressesV4'), 'Arn'] } } } }),
        Match.objectLike({ Action: { Block: {} }, Statement: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('BlockedAddressesV6'), 'Arn'] } } } }),
      ],
    });
  });

  it('scopes NACL writes to the named NACLs and, for finding subnets, to the named VPCs', () => {
    const { template } = build({ nacl: { mode: 'enforce', naclIds: ['acl-0c0ffee'], vpcIds: ['vpc-0v1'] } });
    const writes = policyStatements(template).filter((s) => JSON.stringify(s.Action).includes('ec2:CreateNetworkAclEntry'));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) {
      const text = JSON.stringify(s);
      expect(text).not.toMatch(/"Resource":"\*"/);
      if (text.includes('acl-0c0ffee')) continue;
      expect(s.Condition).toEqual({ StringEquals: { 'ec2:Vpc': [expect.objectContaining({ 'Fn::Join': expect.anything() })] } });
      expect(JSON.stringify(s.Condition)).toContain('vpc-0v1');
    }
  });

  it('refuses to enforce on finding subnets without VPCs to scope the permissions', () => {
    expect(() => build({ nacl: { mode: 'enforce' } })).toThrow(/vpcIds/);
  });

  it('grants the respond function no WAF or NACL writes in dry-run, the default', () => {
    const { template } = build();
    const respond = JSON.stringify(policyStatements(template, /RespondRole/));
    expect(respond).toContain('dynamodb:PutItem');
    expect(respond).not.toContain('wafv2:UpdateIPSet');
    expect(respond).not.toContain('ec2:CreateNetworkAclEntry');
  });

  it('lets expiry remove blocks made while enforced, once a target is back in dry-run', () => {
    const { template } = build({ waf: { mode: 'dry-run' } });
    expect(JSON.stringify(policyStatements(template, /ExpireBlocksRole/))).toContain('wafv2:UpdateIPSet');
  });

  it('routes unarchived findings at or above the minimum severity to a queue drained by a bounded respond function', () => {
    const { template } = build({ minSeverity: 'medium' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['vigil'], 'detail-type': ['Vigil Finding'], detail: { severity: [{ numeric: ['>=', 4] }], service: { archived: [false] } } },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }) })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1, Description: Match.stringLikeRegexp('blocks attacker') });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('builds the registry table with the schema the adapter reads', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'address', KeyType: 'HASH' },
        { AttributeName: 'target', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'purgeAt', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: BLOCK_REGISTRY_SCHEMA.liveByTarget.indexName }),
        Match.objectLike({ IndexName: BLOCK_REGISTRY_SCHEMA.liveByExpiry.indexName }),
      ]),
    });
  });

  it('hands the functions a response configuration that the runtime accepts', () => {
    const { template } = build({ minSeverity: 'high', allowList: ['203.0.113.0/24'], waf: { mode: 'enforce', existingIpSets: [existingSet] }, nacl: { mode: 'dry-run', naclIds: ['acl-0c0ffee'] } });
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: Match.anyValue() } })) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
    const json = fns.map((f) => f.Properties.Environment.Variables[ENV.RESPONSE_CONFIG]).find((v) => typeof v === 'string') as string;
    const config = parseResponseConfig(JSON.parse(json));
    expect(config.waf).toEqual({ mode: 'enforce', ipSets: [existingSet], capacity: 10_000 });
    expect(config.nacl.naclIds).toEqual(['acl-0c0ffee']);
    expect(config.allowList).toEqual(['203.0.113.0/24']);
    template.resourceCountIs('AWS::WAFv2::IPSet', 0);
  });
});
