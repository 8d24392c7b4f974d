import { parseSuppressionRule, matchingRule, orderRules, valuesAt, SuppressionRuleError } from '../../lambdas/engine/suppression';
import type { Finding } from '../../lambdas/engine/finding';

const finding = {
  id: 'f1',
  type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  severity: 2,
  updatedAt: '2025-01-01T00:10:00.000Z',
  resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0bastion', tags: [{ key: 'Role', value: 'bastion' }, { key: 'Env', value: 'prod' }] } },
  service: {
    resourceRole: 'TARGET',
    action: { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '198.51.100.7' }, localPortDetails: { port: 22 } } },
  },
} as unknown as Finding;

const rule = (criterion: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseSuppressionRule({ name: 'rule-one', action: 'ARCHIVE', rank: 1, findingCriteria: { criterion }, ...extra });

describe('suppression rules', () => {
  it('match when every attribute matches (AND) and any value of one attribute matches (OR)', () => {
    const r = rule({ type: { eq: ['Recon:EC2/Portscan', 'UnauthorizedAccess:EC2/SSHBruteForce'] }, 'resource.instanceDetails.instanceId': { eq: ['i-0bastion'] } });
    expect(matchingRule([r], finding)).toBe(r);
    const other = rule({ type: { eq: ['UnauthorizedAccess:EC2/SSHBruteForce'] }, 'resource.instanceDetails.instanceId': { eq: ['i-0other'] } });
    expect(matchingRule([other], finding)).toBeUndefined();
  });

  it('look through arrays on the path, such as tags', () => {
    expect(matchingRule([rule({ 'resource.instanceDetails.tags.value': { eq: ['bastion'] } })], finding)).toBeDefined();
    expect(valuesAt(finding, 'resource.instanceDetails.tags.key')).toEqual(['Role', 'Env']);
  });

  it('compare numbers and ISO timestamps with gt/gte/lt/lte, long names included', () => {
    expect(matchingRule([rule({ severity: { lt: 4 } })], finding)).toBeDefined();
    expect(matchingRule([rule({ severity: { gte: 4 } })], finding)).toBeUndefined();
    expect(matchingRule([rule({ 'service.action.networkConnectionAction.localPortDetails.port': { equals: ['22'] } })], finding)).toBeDefined();
    expect(matchingRule([rule({ updatedAt: { greaterThan: Date.UTC(2025, 0, 1) } })], finding)).toBeDefined();
    expect(matchingRule([rule({ updatedAt: { lessThan: Date.UTC(2025, 0, 1) } })], finding)).toBeUndefined();
  });

  it('treat neq as "none of these" and a missing attribute as no match for eq', () => {
    expect(matchingRule([rule({ 'service.resourceRole': { neq: ['ACTOR'] } })], finding)).toBeDefined();
    expect(matchingRule([rule({ 'service.resourceRole': { neq: ['TARGET'] } })], finding)).toBeUndefined();
    expect(matchingRule([rule({ 'resource.accessKeyDetails.userName': { eq: ['alice'] } })], finding)).toBeUndefined();
  });

  it('ignore NOOP filters and apply rules by rank', () => {
    const noop = rule({ type: { eq: [finding.type] } }, { action: 'NOOP' });
    expect(matchingRule([noop], finding)).toBeUndefined();
    const late = parseSuppressionRule({ name: 'late', rank: 9, findingCriteria: { criterion: { severity: { gte: 1 } } } });
    const early = parseSuppressionRule({ name: 'early', rank: 2, findingCriteria: { criterion: { severity: { gte: 1 } } } });
    expect(matchingRule(orderRules([late, early]), finding)?.name).toBe('early');
  });

  it('accept the PascalCase shape of the GuardDuty API', () => {
    const r = parseSuppressionRule({ Name: 'pascal-rule', Action: 'ARCHIVE', Rank: 3, FindingCriteria: { Criterion: { type: { Eq: [finding.type] }, severity: { LessThan: 3 } } } });
    expect(matchingRule([r], finding)).toBeDefined();
  });

  it.each([
    [{ name: 'x', findingCriteria: { criterion: { type: { eq: ['a'] } } } }, /name/],
    [{ name: 'ok-name', action: 'DELETE', findingCriteria: { criterion: { type: { eq: ['a'] } } } }, /action/],
    [{ name: 'ok-name', findingCriteria: { criterion: {} } }, /at least one attribute/],
    [{ name: 'ok-name', findingCriteria: { criterion: { type: { like: ['a'] } } } }, /unknown operator like/],
    [{ name: 'ok-name', findingCriteria: { criterion: { severity: { gt: 'high' } } } }, /takes a number/],
    [{ name: 'ok-name', findingCriteria: { criterion: { type: { eq: [] } } } }, /1–50 values/],
  ])('reject malformed rule %#', (input, message) => {
    expect(() => parseSuppressionRule(input)).toThrow(SuppressionRuleError);
    expect(() => parseSuppressionRule(input)).toThrow(message);
  });
});
