import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { parseConfig } from '../../lib/config';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { CLOUDTRAIL_DETAIL_TYPES, LogIngestion, LogIngestionError, type LogIngestionProps } from '../../lib/constructs/log-ingestion';
import { AccessLogsBucket } from '../../lib/constructs/secure-bucket';
import { BUCKET_OWNER_ACCOUNT, emptyStack, FULL_CONTEXT, MEMBER_ACCOUNT, ORG_ID, TRAIL_KEY_ARN } from './support';

/** LogIngestion configured from `vigil:*` context, with a reader role granted the logs. */
function ingestionTemplate(context: Record<string, unknown>, overrides: Partial<LogIngestionProps> = {}): Template {
  const stack = emptyStack();
  const config = parseConfig(context);
  const encryptionKey = new EncryptionKey(stack, 'Key');
  const accessLogs = new AccessLogsBucket(stack, 'AccessLogs');
  const ingestion = new LogIngestion(stack, 'Ingestion', {
    encryptionKey,
    serverAccessLogsBucket: accessLogs.bucket,
    ...config.sources,
    organization: config.organization,
    ...overrides,
  });
  ingestion.grantReadLogs(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  return Template.fromStack(stack);
}

const ref = (pattern: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(pattern), 'Arn'] });

/** Every bucket policy statement of the template. */
function bucketPolicyStatements(template: Template): Record<string, any>[] {
  return Object.values(template.findResources('AWS::S3::BucketPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('LogIngestion with the default configuration', () => {
  let template: Template;
  beforeAll(() => {
    template = ingestionTemplate({});
  });

  it("creates one log bucket for all three sources: KMS-encrypted, private, with access logs", () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref('^Key') }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') }, LogFilePrefix: 'LogBucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 365 })]) },
    });
  });

  it('refuses every request to the buckets that is not over TLS', () => {
    const denies = bucketPolicyStatements(template).filter((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(denies).toHaveLength(2);
  });

  it('notifies one queue of new CloudTrail files and, in one merged filter, of new flow and Resolver files', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json.gz' }, { Name: 'prefix', Value: 'AWSLogs/' }] } }, QueueArn: ref('NotificationQueue') },
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.log.gz' }, { Name: 'prefix', Value: 'AWSLogs/' }] } }, QueueArn: ref('NotificationQueue') },
        ],
      },
    });
  });

  it('redrives notifications to an encrypted dead-letter queue after five receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: ref('^Key'),
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: ref('NotificationDeadLetterQueue'), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: ref('^Key'), MessageRetentionPeriod: 1209600 });
  });

  it('lets only S3, for Vigil\'s bucket, send to the notification queue, and only over TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('NotificationQueue') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnLike: { 'aws:SourceArn': ref('LogBucket') } } }),
        ],
      },
    });
  });

  it('lets CloudTrail write only below AWSLogs/<this account>/, with bucket-owner-full-control', () => {
    const write = bucketPolicyStatements(template).find((s) => s.Principal?.Service === 'cloudtrail.amazonaws.com' && s.Action === 's3:PutObject');
    expect(write?.Condition).toEqual({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': [{ Ref: 'AWS::AccountId' }] } });
    expect(JSON.stringify(write?.Resource)).toContain('"/AWSLogs/",{"Ref":"AWS::AccountId"},"/*"');
  });

  it('opens log delivery once for flow and Resolver logs sharing a prefix, in both key layouts', () => {
    const writes = bucketPolicyStatements(template).filter((s) => s.Principal?.Service === 'delivery.logs.amazonaws.com' && s.Action === 's3:PutObject');
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]!.Resource)).toContain('/AWSLogs/aws-account-id=');
  });

  it('opens no statement to an organization when none is configured', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('aws:SourceOrgID');
  });

  it('creates neither a stream nor an event rule', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it('grants reading below AWSLogs/ of the log bucket and decrypting with the Vigil key', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: {
        Statement: [
          { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [ref('LogBucket'), '/AWSLogs/*']] } },
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: ref('^Key') },
        ],
      },
    });
  });
});

describe('LogIngestion in a security account reading an organization', () => {
  let template: Template;
  beforeAll(() => {
    template = ingestionTemplate(FULL_CONTEXT);
  });

  it('configures notifications on the existing same-account trail bucket below its prefix', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'org-trail-logs',
      Managed: false,
      NotificationConfiguration: { QueueConfigurations: [Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json.gz' }, { Name: 'prefix', Value: 'trail/AWSLogs/' }] } } })] },
    });
  });

  it("leaves another account's bucket alone and lets it notify the queue instead", () => {
    const configured = Object.values(template.findResources('Custom::S3BucketNotifications')).map((r) => r.Properties.BucketName);
    expect(configured).not.toContain('member-dns-logs');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::member-dns-logs']] } }, StringEquals: { 'aws:SourceAccount': BUCKET_OWNER_ACCOUNT } },
          }),
        ]),
      },
    });
  });

  it('lets S3 use the key for the encrypted queue on behalf of this account and the bucket owner only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'S3NotificationsToEncryptedQueue', Condition: { StringEquals: { 'aws:SourceAccount': [{ Ref: 'AWS::AccountId' }, BUCKET_OWNER_ACCOUNT] } } })]) },
    });
  });

  it('lets log delivery write from member accounts by account and from the organization by aws:SourceOrgID', () => {
    const writes = bucketPolicyStatements(template).filter((s) => s.Principal?.Service === 'delivery.logs.amazonaws.com' && s.Action === 's3:PutObject');
    expect(writes.map((s) => s.Condition.StringEquals)).toEqual([
      { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': [{ Ref: 'AWS::AccountId' }, MEMBER_ACCOUNT] },
      { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceOrgID': ORG_ID },
    ]);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'delivery.logs.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceOrgID': ORG_ID } } })]) },
    });
  });

  it('grants reading the existing trail bucket below its prefix and decrypting with its own key', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }] } })).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Record<string, any>[],
    );
    const read = statements.find((s) => s.Action === 's3:GetObject')!;
    expect(JSON.stringify(read.Resource)).toContain(':s3:::org-trail-logs/trail/AWSLogs/*');
    expect(JSON.stringify(read.Resource)).toContain(':s3:::member-dns-logs/AWSLogs/*');
    expect(statements.find((s) => s.Action === 'kms:Decrypt')!.Resource).toEqual(expect.arrayContaining([TRAIL_KEY_ARN]));
  });

  it('streams subscribed log groups into a KMS-encrypted Kinesis stream', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 2,
      RetentionPeriodHours: 48,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: ref('^Key') },
    });
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: '/aws/route53/resolver',
      FilterPattern: '{ $.rcode = "NXDOMAIN" }',
      DestinationArn: ref('LogStream'),
      RoleArn: ref('SubscriptionRole'),
    });
  });

  it('lets CloudWatch Logs assume the subscription role only for this account\'s log groups, to put records and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'logs.amazonaws.com' },
            Condition: { StringLike: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] }] } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: ref('LogStream') },
          { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: ref('^Key') },
        ],
      },
    });
  });

  it('offers member accounts and the organization a CloudWatch Logs destination on the stream', () => {
    template.hasResourceProperties('AWS::Logs::Destination', { DestinationName: 'Test-logs', TargetArn: ref('LogStream'), RoleArn: ref('CrossAccountSubscriptionRole') });
    const [destination] = Object.values(template.findResources('AWS::Logs::Destination'));
    const policy = JSON.stringify(destination!.Properties.DestinationPolicy);
    expect(policy).toContain(MEMBER_ACCOUNT);
    expect(policy).toContain('aws:PrincipalOrgID');
    expect(policy).toContain('logs:PutSubscriptionFilter');
  });

  it("matches CloudTrail's management event types on the default bus", () => {
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'detail-type': [...CLOUDTRAIL_DETAIL_TYPES] }, EventBusName: Match.absent() });
  });

  it('lets the organization and member accounts forward events to the default bus', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      Statement: Match.objectLike({ Principal: '*', Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } } }),
    });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${MEMBER_ACCOUNT}:root`]] } } }),
    });
  });
});

describe('LogIngestion misconfigured', () => {
  it("refuses to create Vigil's log bucket without a bucket for its access logs", () => {
    expect(() => ingestionTemplate({}, { serverAccessLogsBucket: undefined })).toThrow(LogIngestionError);
  });
});
