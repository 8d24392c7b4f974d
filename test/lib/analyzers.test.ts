import { Match, type Template } from 'aws-cdk-lib/assertions';
import { existsSync } from 'node:fs';
import { copyFilesHook } from '../../lib/constructs/analyzer-function';
import { geoDataFiles } from '../../lib/constructs/analyzers';
import { ENV, GEO_DATA_FILES } from '../../lambdas/shared/constants';
import { asList, buildVigil, FULL_CONTEXT, policyStatements } from './support';

const INGEST_DESCRIPTIONS = [
  'Vigil: analyzes log files delivered to S3',
  'Vigil: analyzes CloudWatch Logs records from Kinesis',
  'Vigil: analyzes CloudTrail events from EventBridge',
];

/** The environment of the function with this description. */
function environmentOf(template: Template, description: string): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: description } }));
  return fn!.Properties.Environment.Variables;
}

/** Statements of the role policy whose logical id starts with the given construct path prefix. */
function roleStatements(template: Template, logicalIdPrefix: string): Record<string, any>[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(logicalIdPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

describe('Analyzers with every input path on', () => {
  let template: Template;
  beforeAll(() => {
    template = buildVigil(FULL_CONTEXT).template;
  });

  it('runs every function on arm64 with the Node.js 22 runtime and the bundled handler', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Vigil: ') } });
    // Four analyzers, plus respond and expire-blocks of the remediation FULL_CONTEXT turns on.
    expect(Object.keys(functions)).toHaveLength(6);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
  });

  it('gives each ingest function the tables, bus, intel, suppression, flow format and default account and region', () => {
    for (const description of INGEST_DESCRIPTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: description,
        Environment: {
          Variables: Match.objectLike({
            [ENV.FINDINGS_TABLE]: { Ref: Match.stringLikeRegexp('FindingsTable') },
            [ENV.STATE_TABLE]: { Ref: Match.stringLikeRegexp('StateTable') },
            [ENV.FINDINGS_BUS]: { Ref: Match.stringLikeRegexp('^FindingsBus') },
            [ENV.PUBLISH_FREQUENCY]: 'FIFTEEN_MINUTES',
            [ENV.INTEL_BUCKET]: { Ref: Match.stringLikeRegexp('IntelBucket') },
            [ENV.SUPPRESSION_RULES]: '[]',
            [ENV.DEFAULT_ACCOUNT]: { Ref: 'AWS::AccountId' },
            [ENV.DEFAULT_REGION]: { Ref: 'AWS::Region' },
            [ENV.GEO_DATA_DIR]: 'geo',
            POWERTOOLS_METRICS_NAMESPACE: 'Vigil',
          }),
        },
      });
      const environment = environmentOf(template, description);
      expect(JSON.parse(environment[ENV.INTEL_LISTS] as string)).toEqual([
        { key: 'lists/bad-ips.txt', name: 'bad-ips', category: 'custom', kind: 'threat' },
        { key: 'lists/office.txt', name: 'office', category: 'custom', kind: 'trusted', format: 'txt' },
      ]);
      expect(environment[ENV.FLOW_LOG_FORMAT]).toMatch(/^\$\{version\} \$\{account-id\}/);
    }
  });

  it('ships the offline geolocation files from the installed packages into each ingest function', () => {
    const files = geoDataFiles();
    expect(files.map((f) => f.to).sort()).toEqual(Object.values(GEO_DATA_FILES).map((f) => `geo/${f.file}`).sort());
    for (const file of files) expect(existsSync(file.from)).toBe(true);
    const commands = copyFilesHook(files).afterBundling('/in', '/asset out');
    expect(commands).toEqual(files.flatMap((f) => [`mkdir -p '/asset out/geo'`, `cp '${f.from}' '/asset out/${f.to}'`]));
    expect(environmentOf(template, 'Vigil: publishes updates to existing findings')[ENV.GEO_DATA_DIR]).toBeUndefined();
  });

  it('consumes S3 notifications from SQS with partial batch failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationQueue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('consumes the Kinesis stream with partial batch failures, bisection, bounded retries and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogStream'), 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('StreamFailureQueue'), 'Arn'] } } },
    });
  });

  it('invokes the CloudTrail event function from the default-bus rule with retries and a dead-letter queue for both hops', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': Match.arrayWith(['AWS API Call via CloudTrail']) },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestCloudTrailEvent'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CloudTrailEventDeadLetterQueue'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CloudTrailEventDeadLetterQueue'), 'Arn'] } } },
    });
  });

  it('runs publish-updates every fifteen minutes for FIFTEEN_MINUTES', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PublishUpdates'), 'Arn'] } })],
    });
  });

  it('allows `*` only for the EC2 Describe calls, which have no resource-level permissions', () => {
    for (const prefix of ['AnalyzersIngestS3Role', 'AnalyzersIngestStreamRole', 'AnalyzersIngestCloudTrailEventRole']) {
      const star = roleStatements(template, prefix).filter((s) => asList(s.Resource).includes('*'));
      expect(star).toEqual([{ Action: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces'], Effect: 'Allow', Resource: '*' }]);
    }
    expect(roleStatements(template, 'AnalyzersPublishUpdatesRole').filter((s) => asList(s.Resource).includes('*'))).toEqual([]);
  });

  it('grants wildcard actions only where CDK grants sending to an encrypted failure queue, on the Vigil key alone', () => {
    const wildcards = policyStatements(template).filter((s) => asList(s.Action).some((action) => String(action).includes('*')));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const statement of wildcards) {
      expect(asList(statement.Action).filter((action) => String(action).includes('*'))).toEqual(['kms:ReEncrypt*', 'kms:GenerateDataKey*']);
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EncryptionKey/), 'Arn'] });
    }
  });

  it('lets ingest functions read exactly the configured intel list objects', () => {
    const reads = roleStatements(template, 'AnalyzersIngestS3Role').filter((s) => s.Action === 's3:GetObject');
    const intel = reads.find((s) => JSON.stringify(s.Resource).includes('IntelBucket'))!;
    expect(JSON.stringify(intel.Resource)).toContain('/lists/bad-ips.txt');
    expect(JSON.stringify(intel.Resource)).toContain('/lists/office.txt');
    expect(asList(intel.Resource)).toHaveLength(2);
  });

  it('keeps publish-updates away from state, intel and logs', () => {
    const resources = JSON.stringify(roleStatements(template, 'AnalyzersPublishUpdatesRole').map((s) => s.Resource));
    expect(resources).not.toMatch(/StateTable|IntelBucket|LogBucket|ec2/);
  });

  it('writes each function log to its own log group, encrypted and kept for 90 days, with a role of its own', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 6);
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EncryptionKey'), 'Arn'] }, RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Vigil: publishes updates to existing findings',
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('PublishUpdatesLogs') } },
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('PublishUpdatesRole'), 'Arn'] },
    });
  });

  it('attaches no AWS managed policy to an analyzer role', () => {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] } } });
    const analyzerRoles = Object.entries(roles).filter(([id]) => id.startsWith('Analyzers'));
    expect(analyzerRoles).toHaveLength(4);
    for (const [, role] of analyzerRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('Analyzers publishing schedule', () => {
  it.each([
    ['ONE_HOUR', 'rate(1 hour)'],
    ['SIX_HOURS', 'rate(6 hours)'],
  ])('runs publish-updates at %s as %s', (frequency, expression) => {
    const { template } = buildVigil({ 'vigil:publishFrequency': frequency, 'vigil:vpcFlowS3': false, 'vigil:resolverS3': false });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: expression });
  });

  it('has no publish-updates function and no schedule for IMMEDIATE, since ingest publishes at once', () => {
    const { template } = buildVigil({ 'vigil:publishFrequency': 'IMMEDIATE', 'vigil:vpcFlowS3': false, 'vigil:resolverS3': false });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: 'Vigil: publishes updates to existing findings' }, 0);
    template.resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: Match.anyValue() }, 0);
    expect(environmentOf(template, INGEST_DESCRIPTIONS[0]!)[ENV.PUBLISH_FREQUENCY]).toBe('IMMEDIATE');
  });

  it('creates only the functions whose input path is configured', () => {
    const { template } = buildVigil({ 'vigil:cloudTrailS3': false, 'vigil:vpcFlowS3': false, 'vigil:resolverS3': false, 'vigil:cloudTrailEvents': true });
    const descriptions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Vigil: ') } })).map((fn) => fn.Properties.Description);
    expect(descriptions.sort()).toEqual(['Vigil: analyzes CloudTrail events from EventBridge', 'Vigil: publishes updates to existing findings']);
  });
});
