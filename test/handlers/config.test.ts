import { ConfigError, partitionOf, readIngestConfig, readPublishConfig } from '../../lambdas/handlers/config';
import { ENV } from '../../lambdas/shared/constants';

const BASE = {
  [ENV.FINDINGS_TABLE]: 'findings',
  [ENV.STATE_TABLE]: 'state',
  [ENV.FINDINGS_BUS]: 'bus',
  [ENV.DEFAULT_ACCOUNT]: '111122223333',
  AWS_REGION: 'eu-west-1',
};

describe('readIngestConfig', () => {
  it('reads the stack environment into one typed configuration', () => {
    const config = readIngestConfig({
      ...BASE,
      [ENV.PUBLISH_FREQUENCY]: 'ONE_HOUR',
      [ENV.INTEL_BUCKET]: 'intel',
      [ENV.INTEL_LISTS]: '[{"key":"lists/bad.txt","name":"bad","category":"custom","kind":"threat"},{"key":"t.txt","name":"office","category":"custom","kind":"trusted","format":"txt"}]',
      [ENV.SUPPRESSION_RULES]: '[{"name":"bastion-ssh","action":"ARCHIVE","findingCriteria":{"criterion":{"type":{"eq":["UnauthorizedAccess:EC2/SSHBruteForce"]}}}}]',
      [ENV.FLOW_LOG_FORMAT]: '${version} ${srcaddr}',
    });
    expect(config).toEqual({
      findingsTable: 'findings',
      stateTable: 'state',
      findingsBus: 'bus',
      publishFrequency: 'ONE_HOUR',
      scope: { accountId: '111122223333', region: 'eu-west-1', partition: 'aws' },
      intel: {
        bucket: 'intel',
        lists: [
          { key: 'lists/bad.txt', name: 'bad', category: 'custom', kind: 'threat' },
          { key: 't.txt', name: 'office', category: 'custom', kind: 'trusted', format: 'txt' },
        ],
      },
      suppressionRules: [{ name: 'bastion-ssh', action: 'ARCHIVE', rank: 1, criterion: { type: { eq: ['UnauthorizedAccess:EC2/SSHBruteForce'] } } }],
      flowLogFormat: '${version} ${srcaddr}',
    });
  });

  it('resolves the geolocation folder against the function code root', () => {
    expect(readIngestConfig({ ...BASE, [ENV.GEO_DATA_DIR]: 'geo', LAMBDA_TASK_ROOT: '/var/task' }).geoDataDir).toBe('/var/task/geo');
    expect(readIngestConfig(BASE).geoDataDir).toBeUndefined();
  });

  it('defaults to GuardDuty’s six-hour publishing frequency, no intel and no rules', () => {
    expect(readIngestConfig(BASE)).toMatchObject({ publishFrequency: 'SIX_HOURS', suppressionRules: [] });
    expect(readIngestConfig(BASE).intel).toBeUndefined();
  });

  it('names the variable that is missing or wrong', () => {
    const cases: [Record<string, string>, string][] = [
      [{ ...BASE, [ENV.STATE_TABLE]: '' }, ENV.STATE_TABLE],
      [{ ...BASE, [ENV.DEFAULT_ACCOUNT]: '1234' }, ENV.DEFAULT_ACCOUNT],
      [{ ...BASE, [ENV.PUBLISH_FREQUENCY]: 'HOURLY' }, ENV.PUBLISH_FREQUENCY],
      [{ ...BASE, [ENV.INTEL_LISTS]: '[{"key":"k","name":"n","category":"custom"}]' }, ENV.INTEL_BUCKET],
      [{ ...BASE, [ENV.INTEL_BUCKET]: 'b', [ENV.INTEL_LISTS]: '{' }, ENV.INTEL_LISTS],
      [{ ...BASE, [ENV.SUPPRESSION_RULES]: '[{"name":"x"}]' }, ENV.SUPPRESSION_RULES],
    ];
    for (const [env, variable] of cases) {
      let error: unknown;
      try {
        readIngestConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
    }
  });
});

describe('readPublishConfig', () => {
  it('needs only the findings table and bus', () => {
    expect(readPublishConfig({ [ENV.FINDINGS_TABLE]: 'f', [ENV.FINDINGS_BUS]: 'b', [ENV.PUBLISH_FREQUENCY]: 'IMMEDIATE' })).toEqual({
      findingsTable: 'f',
      findingsBus: 'b',
      publishFrequency: 'IMMEDIATE',
    });
  });
});

describe('partitionOf', () => {
  it('knows the China and GovCloud partitions', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('ap-southeast-2')).toBe('aws');
  });
});
