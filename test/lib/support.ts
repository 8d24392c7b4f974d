/**
 * Shared set-up of the infrastructure tests: configurations, and a Vigil stack synthesized with bundling
 * skipped and a stand-in handler, so the tests depend neither on esbuild nor on the handler code.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config';
import type { HandlerName } from '../../lib/constructs/analyzers';
import { VigilStack } from '../../lib/vigil-stack';

export const FIXTURE_HANDLER = path.join(__dirname, 'fixtures', 'handler.ts');

export const FIXTURE_ENTRIES: Readonly<Record<HandlerName, string>> = {
  INGEST_S3: FIXTURE_HANDLER,
  INGEST_STREAM: FIXTURE_HANDLER,
  INGEST_CLOUDTRAIL_EVENT: FIXTURE_HANDLER,
  PUBLISH_UPDATES: FIXTURE_HANDLER,
  RESPOND: FIXTURE_HANDLER,
  EXPIRE_BLOCKS: FIXTURE_HANDLER,
};

/** Skips asset bundling for every stack of the app. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export const ORG_ID = 'o-a1b2c3d4e5';
export const MEMBER_ACCOUNT = '222233334444';
export const BUCKET_OWNER_ACCOUNT = '333344445555';
export const TRAIL_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Every path on, every multi-account feature on: a security account reading an organization's logs. */
export const FULL_CONTEXT = {
  'vigil:cloudTrailS3': { bucketName: 'org-trail-logs', keyPrefix: 'trail', kmsKeyArn: TRAIL_KEY_ARN },
  'vigil:vpcFlowS3': {},
  'vigil:resolverS3': { bucketName: 'member-dns-logs', bucketAccountId: BUCKET_OWNER_ACCOUNT },
  'vigil:logStream': {
    shardCount: 2,
    retentionHours: 48,
    logGroups: [{ logGroupName: '/vpc/flow' }, { logGroupName: '/aws/route53/resolver', filterPattern: '{ $.rcode = "NXDOMAIN" }' }],
  },
  'vigil:cloudTrailEvents': true,
  'vigil:organizationId': ORG_ID,
  'vigil:memberAccountIds': [MEMBER_ACCOUNT],
  'vigil:publishFrequency': 'FIFTEEN_MINUTES',
  'vigil:findingsEmail': 'soc@example.com',
  'vigil:alarmEmail': 'ops@example.com',
  'vigil:intel': {
    lists: [
      { key: 'lists/bad-ips.txt', name: 'bad-ips', kind: 'threat' },
      { key: 'lists/office.txt', name: 'office', kind: 'trusted', format: 'txt' },
    ],
  },
  'vigil:remediation': {
    minSeverity: 'high',
    allowList: ['198.51.100.0/24'],
    waf: { mode: 'enforce' },
    nacl: { mode: 'enforce', naclIds: ['acl-0123456789abcdef0'], vpcIds: ['vpc-0123456789abcdef0'] },
  },
} as const;

/** Builds the Vigil stack from `vigil:*` context values (validated as `cdk synth` would). */
export function buildVigil(context: Readonly<Record<string, unknown>> = {}): { app: App; stack: VigilStack; template: Template } {
  const app = new App({ context: { ...NO_BUNDLING } });
  const stack = new VigilStack(app, 'Vigil', { config: parseConfig(context), handlerEntries: FIXTURE_ENTRIES });
  return { app, stack, template: Template.fromStack(stack) };
}

/** An empty, environment-agnostic stack for testing one construct. */
export function emptyStack(): Stack {
  return new Stack(new App({ context: { ...NO_BUNDLING } }), 'Test');
}

/** The statements of every IAM policy (inline and managed) in the template. */
export function policyStatements(template: Template): Record<string, unknown>[] {
  const policies = { ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') };
  return Object.values(policies).flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]));
}

/** A statement's actions or resources as an array. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
