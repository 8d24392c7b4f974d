import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import type { VigilStack } from '../../lib/vigil-stack';
import { asList, buildVigil, policyStatements } from './support';

describe('VigilStack with the default configuration', () => {
  let app: App;
  let stack: VigilStack;
  let template: Template;
  beforeAll(() => {
    ({ app, stack, template } = buildVigil());
  });

  it('is environment-agnostic and needs no context lookups, so it synthesizes offline', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  it('encrypts everything at rest with one customer-managed key that rotates', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } });
    template.allResourcesProperties('AWS::Events::EventBus', { KmsKeyIdentifier: keyArn });
    template.allResourcesProperties('AWS::Events::Archive', { KmsKeyIdentifier: keyArn });
  });

  it('blocks public access on every bucket and logs every bucket but the access-log bucket itself', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      if (!id.startsWith('AccessLogs')) expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^AccessLogs/) });
    }
  });

  it('denies non-TLS requests in every bucket and queue policy', () => {
    const tlsOnly = Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    const policies = { ...template.findResources('AWS::S3::BucketPolicy'), ...template.findResources('AWS::SQS::QueuePolicy') };
    expect(Object.keys(policies).length).toBe(Object.keys(template.findResources('AWS::S3::Bucket')).length + Object.keys(template.findResources('AWS::SQS::Queue')).length);
    template.allResourcesProperties('AWS::S3::BucketPolicy', { PolicyDocument: { Statement: Match.arrayWith([tlsOnly]) } });
    template.allResourcesProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([tlsOnly]) } });
  });

  it('grants `*` resources only for the EC2 Describe calls', () => {
    const star = policyStatements(template).filter((s) => asList(s.Resource).includes('*'));
    expect(star.length).toBeGreaterThan(0);
    for (const statement of star) expect(statement.Action).toEqual(['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces']);
  });

  it('publishes the names a deployment needs as outputs', () => {
    for (const output of ['FindingsBusName', 'FindingsTableName', 'AlertTopicArn', 'EncryptionKeyArn', 'IntelBucketName', 'LogBucketName', 'NotificationQueueArn']) {
      template.hasOutput(output, { Value: Match.anyValue() });
    }
  });

  it('exposes the findings bus, key and config for extensions such as remediation', () => {
    expect(stack.findingsBus.eventBus).toBeDefined();
    expect(stack.encryptionKey.key).toBeDefined();
    expect(stack.config.publishFrequency).toBe('SIX_HOURS');
  });
});

describe('VigilStack reading existing buckets only', () => {
  it('creates no access-log bucket when it creates no bucket', () => {
    const { template } = buildVigil({
      'vigil:cloudTrailS3': { bucketName: 'trail-logs' },
      'vigil:vpcFlowS3': false,
      'vigil:resolverS3': false,
      'vigil:intel': { bucketName: 'intel-lists' },
    });
    template.resourceCountIs('AWS::S3::Bucket', 0);
  });
});
