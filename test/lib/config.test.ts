import { App } from 'aws-cdk-lib';
import { CONFIG_KEYS, ConfigError, DEFAULT_FLOW_LOG_FORMAT, ENVIRONMENT_JSON_BUDGET_BYTES, parseConfig, readConfig } from '../../lib/config';
import { PUBLISH_FREQUENCIES } from '../../lambdas/shared/constants';

/** The ConfigError parseConfig throws for this context (fails the test if it throws nothing or something else). */
function configErrorFor(context: Record<string, unknown>): ConfigError {
  try {
    parseConfig(context);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(context)}`);
}

describe('parseConfig defaults', () => {
  const config = parseConfig({});

  it('ingests all three S3 sources into the bucket Vigil creates when nothing is configured', () => {
    expect(config.sources.cloudTrail).toEqual({});
    expect(config.sources.vpcFlow).toEqual({});
    expect(config.sources.resolver).toEqual({});
  });

  it('leaves the Kinesis and EventBridge paths off until asked for', () => {
    expect(config.sources.logStream).toBeUndefined();
    expect(config.sources.cloudTrailEvents).toBe(false);
  });

  it("publishes updates every six hours and alerts from severity 7, as GuardDuty's defaults do", () => {
    expect(config.publishFrequency).toBe('SIX_HOURS');
    expect(config.alertMinSeverity).toBe(7);
  });

  it('uses the default stack name, flow log format and retention periods', () => {
    expect(config).toMatchObject({
      stackName: 'Vigil',
      flowLogFormat: DEFAULT_FLOW_LOG_FORMAT,
      logExpirationDays: 365,
      archiveRetentionDays: 365,
      organization: { memberAccountIds: [] },
      intel: { lists: [] },
      suppressionRules: [],
    });
  });
});

describe('parseConfig values', () => {
  it('disables an S3 source set to false, whether from cdk.json or as the string "false" from -c', () => {
    const config = parseConfig({ [CONFIG_KEYS.CLOUDTRAIL_S3]: false, [CONFIG_KEYS.VPC_FLOW_S3]: 'false' });
    expect(config.sources.cloudTrail).toBeUndefined();
    expect(config.sources.vpcFlow).toBeUndefined();
    expect(config.sources.resolver).toEqual({});
  });

  it('reads an existing bucket with its prefix, key and owner account', () => {
    const source = { bucketName: 'org-trail', keyPrefix: 'org/trail', kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', bucketAccountId: '111122223333' };
    expect(parseConfig({ [CONFIG_KEYS.CLOUDTRAIL_S3]: source }).sources.cloudTrail).toEqual(source);
  });

  it('parses JSON objects, arrays, numbers and booleans given as command-line strings', () => {
    const config = parseConfig({
      [CONFIG_KEYS.RESOLVER_S3]: '{"bucketName":"dns-logs"}',
      [CONFIG_KEYS.MEMBER_ACCOUNT_IDS]: '["222233334444"]',
      [CONFIG_KEYS.ALERT_MIN_SEVERITY]: '8.5',
      [CONFIG_KEYS.CLOUDTRAIL_EVENTS]: 'true',
    });
    expect(config.sources.resolver).toMatchObject({ bucketName: 'dns-logs' });
    expect(config.organization.memberAccountIds).toEqual(['222233334444']);
    expect(config.alertMinSeverity).toBe(8.5);
    expect(config.sources.cloudTrailEvents).toBe(true);
  });

  it('gives an enabled log stream one shard, a day of retention and no subscriptions by default', () => {
    expect(parseConfig({ [CONFIG_KEYS.LOG_STREAM]: {} }).sources.logStream).toEqual({ shardCount: 1, retentionHours: 24, logGroups: [] });
  });

  it('subscribes log groups with an empty filter pattern unless one is given', () => {
    const config = parseConfig({ [CONFIG_KEYS.LOG_STREAM]: { logGroups: [{ logGroupName: '/vpc/flow' }, { logGroupName: '/dns', filterPattern: 'NXDOMAIN' }] } });
    expect(config.sources.logStream?.logGroups).toEqual([
      { logGroupName: '/vpc/flow', filterPattern: '' },
      { logGroupName: '/dns', filterPattern: 'NXDOMAIN' },
    ]);
  });

  it('files intel lists as custom threat lists unless told otherwise', () => {
    const config = parseConfig({ [CONFIG_KEYS.INTEL]: { lists: [{ key: 'lists/bad.txt', name: 'bad' }, { key: 'tor.txt', name: 'tor', category: 'tor-exit', format: 'tor-exit' }] } });
    expect(config.intel.lists).toEqual([
      { key: 'lists/bad.txt', name: 'bad', category: 'custom', kind: 'threat' },
      { key: 'tor.txt', name: 'tor', category: 'tor-exit', kind: 'threat', format: 'tor-exit' },
    ]);
  });

  it('keeps each member account once', () => {
    expect(parseConfig({ [CONFIG_KEYS.MEMBER_ACCOUNT_IDS]: ['222233334444', '222233334444'] }).organization.memberAccountIds).toEqual(['222233334444']);
  });

  it('passes suppression rules through for the handlers to validate in full', () => {
    const rule = { name: 'bastion-ssh', findingCriteria: { criterion: { type: { eq: ['UnauthorizedAccess:EC2/SSHBruteForce'] } } } };
    expect(parseConfig({ [CONFIG_KEYS.SUPPRESSION_RULES]: [rule] }).suppressionRules).toEqual([rule]);
  });

  it('geolocates remote addresses unless vigil:geo is false', () => {
    expect(parseConfig({}).geo).toBe(true);
    expect(parseConfig({ [CONFIG_KEYS.GEO]: 'false' }).geo).toBe(false);
  });

  it('leaves automated response off unless a response configuration is given, and passes one through', () => {
    expect(parseConfig({}).remediation).toBeUndefined();
    expect(parseConfig({ [CONFIG_KEYS.REMEDIATION]: false }).remediation).toBeUndefined();
    const response = { minSeverity: 7, waf: { ipSetNames: ['vigil-blocked'] } };
    expect(parseConfig({ [CONFIG_KEYS.REMEDIATION]: JSON.stringify(response) }).remediation).toEqual(response);
  });

  it.each(PUBLISH_FREQUENCIES)('accepts the publishing frequency %s', (frequency) => {
    expect(parseConfig({ [CONFIG_KEYS.PUBLISH_FREQUENCY]: frequency }).publishFrequency).toBe(frequency);
  });

  it("reads the context of a construct tree, as bin/app.ts does with the App's", () => {
    const app = new App({ context: { [CONFIG_KEYS.PUBLISH_FREQUENCY]: 'ONE_HOUR', [CONFIG_KEYS.STACK_NAME]: 'VigilProd' } });
    expect(readConfig(app)).toMatchObject({ publishFrequency: 'ONE_HOUR', stackName: 'VigilProd' });
  });
});

describe('parseConfig errors', () => {
  it('names the key, the allowed values and the value it got', () => {
    const error = configErrorFor({ [CONFIG_KEYS.PUBLISH_FREQUENCY]: 'DAILY' });
    expect(error.key).toBe('vigil:publishFrequency');
    expect(error.message).toBe('Invalid cdk.json context "vigil:publishFrequency": expected one of IMMEDIATE, FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS; got "DAILY".');
  });

  it('rejects a vigil key it does not know, listing the keys it does', () => {
    const error = configErrorFor({ 'vigil:publishFrequncy': 'ONE_HOUR' });
    expect(error.key).toBe('vigil:publishFrequncy');
    expect(error.allowed).toContain('vigil:publishFrequency');
  });

  it('ignores context keys outside the vigil namespace', () => {
    expect(() => parseConfig({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': [] })).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a malformed bucket name', { [CONFIG_KEYS.CLOUDTRAIL_S3]: { bucketName: 'Trail_Logs' } }, 'vigil:cloudTrailS3.bucketName', 'S3 bucket name'],
    ['an unknown field of a source', { [CONFIG_KEYS.VPC_FLOW_S3]: { bucket: 'x' } }, 'vigil:vpcFlowS3.bucket', 'bucketName, keyPrefix, kmsKeyArn, bucketAccountId'],
    ['a prefix with a trailing slash', { [CONFIG_KEYS.VPC_FLOW_S3]: { keyPrefix: 'flow/' } }, 'vigil:vpcFlowS3.keyPrefix', 'without leading or trailing "/"'],
    ['the prefix AWSLogs, which the services add themselves', { [CONFIG_KEYS.VPC_FLOW_S3]: { keyPrefix: 'AWSLogs' } }, 'vigil:vpcFlowS3.keyPrefix', 'not "AWSLogs"'],
    ['a key ARN for a bucket Vigil creates', { [CONFIG_KEYS.RESOLVER_S3]: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }, 'vigil:resolverS3.bucketName', 'kmsKeyArn or bucketAccountId'],
    ['a key alias instead of a key ARN', { [CONFIG_KEYS.CLOUDTRAIL_S3]: { bucketName: 'trail', kmsKeyArn: 'alias/trail' } }, 'vigil:cloudTrailS3.kmsKeyArn', 'KMS key ARN'],
    ['a severity above 10', { [CONFIG_KEYS.ALERT_MIN_SEVERITY]: 11 }, 'vigil:alertMinSeverity', 'a number from 1 to 10'],
    ['a fractional number of days', { [CONFIG_KEYS.LOG_EXPIRATION_DAYS]: 1.5 }, 'vigil:logExpirationDays', 'an integer from 1 to 3650'],
    ['an organization id without the o- prefix', { [CONFIG_KEYS.ORGANIZATION_ID]: 'a1b2c3d4e5' }, 'vigil:organizationId', 'o-a1b2c3d4e5'],
    ['a member account that is not 12 digits', { [CONFIG_KEYS.MEMBER_ACCOUNT_IDS]: ['222233334444', '1234'] }, 'vigil:memberAccountIds[1]', '12-digit account id'],
    ['a shard count of zero', { [CONFIG_KEYS.LOG_STREAM]: { shardCount: 0 } }, 'vigil:logStream.shardCount', 'an integer from 1 to 500'],
    ['a subscribed log group without a name', { [CONFIG_KEYS.LOG_STREAM]: { logGroups: [{ filterPattern: 'x' }] } }, 'vigil:logStream.logGroups[0].logGroupName', 'CloudWatch Logs group name'],
    ['an email address without a domain', { [CONFIG_KEYS.FINDINGS_EMAIL]: 'soc' }, 'vigil:findingsEmail', 'an email address'],
    ['a flow log format that is not ${field} tokens', { [CONFIG_KEYS.FLOW_LOG_FORMAT]: 'version srcaddr' }, 'vigil:flowLogFormat', '${field} tokens'],
    ['a list format the loader cannot read', { [CONFIG_KEYS.INTEL]: { lists: [{ key: 'a.csv', name: 'a', format: 'csv' }] } }, 'vigil:intel.lists[0].format', 'txt, tor-exit, stix, otx-csv'],
    ['two intel lists with one name', { [CONFIG_KEYS.INTEL]: { lists: [{ key: 'a', name: 'x' }, { key: 'b', name: 'x' }] } }, 'vigil:intel.lists', 'distinct names'],
    ['a wildcard intel key', { [CONFIG_KEYS.INTEL]: { lists: [{ key: 'lists/*', name: 'all' }] } }, 'vigil:intel.lists[0].key', 'no "*"'],
    ['a suppression rule without a name', { [CONFIG_KEYS.SUPPRESSION_RULES]: [{ findingCriteria: {} }] }, 'vigil:suppressionRules[0].name', 'rule name'],
    ['a response configuration that is not an object', { [CONFIG_KEYS.REMEDIATION]: ['waf'] }, 'vigil:remediation', 'response configuration object'],
    ['geolocation switched with something other than a boolean', { [CONFIG_KEYS.GEO]: 'sometimes' }, 'vigil:geo', 'true or false'],
    ['a stack name starting with a digit', { [CONFIG_KEYS.STACK_NAME]: '1vigil' }, 'vigil:stackName', 'starting with a letter'],
  ])('rejects %s', (_case, context, key, allowed) => {
    const error = configErrorFor(context);
    expect(error.key).toBe(key);
    expect(error.allowed).toContain(allowed);
    expect(error.message).toContain(`"${key}"`);
  });

  it('keeps the JSON parse error as the cause of a malformed command-line value', () => {
    const error = configErrorFor({ [CONFIG_KEYS.CLOUDTRAIL_S3]: '{bucketName: trail}' });
    expect(error.key).toBe('vigil:cloudTrailS3');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses suppression rules and lists too large for the Lambda environment, naming the keys', () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({ name: `rule-${i}`, findingCriteria: { criterion: { type: { eq: ['Recon:EC2/PortProbeUnprotectedPort'] } } } }));
    const error = configErrorFor({ [CONFIG_KEYS.SUPPRESSION_RULES]: rules });
    expect(error.key).toBe('vigil:suppressionRules + vigil:intel.lists + vigil:flowLogFormat');
    expect(error.allowed).toContain(`${ENVIRONMENT_JSON_BUDGET_BYTES} bytes`);
  });
});
