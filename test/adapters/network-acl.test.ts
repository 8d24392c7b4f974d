import { CreateNetworkAclEntryCommand, DeleteNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client, EC2ServiceException, type NetworkAclEntry } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Ec2NetworkAclGateway } from '../../lambdas/adapters/network-acl';
import { BlockTargetError } from '../../lambdas/response/errors';

const ec2 = mockClient(EC2Client);
const NACL = 'acl-0c0ffee';
const range = { first: 1, last: 99 };

/** EC2 reports API errors by code on its service exception, the class the SDK really throws for them. */
const ec2Error = (code: string) => new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: code });

const allow = (ruleNumber: number, egress: boolean, cidr = '0.0.0.0/0'): NetworkAclEntry => ({ RuleNumber: ruleNumber, Egress: egress, RuleAction: 'allow', Protocol: '-1', CidrBlock: cidr });
const deny = (ruleNumber: number, egress: boolean, cidr: string, protocol = '-1'): NetworkAclEntry => ({
  RuleNumber: ruleNumber,
  Egress: egress,
  RuleAction: 'deny',
  Protocol: protocol,
  ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
});
const defaults = [allow(100, false), deny(32767, false, '0.0.0.0/0'), allow(100, true), deny(32767, true, '0.0.0.0/0')];
const described = (entries: NetworkAclEntry[]) => ({ NetworkAcls: [{ NetworkAclId: NACL, VpcId: 'vpc-0v1', Entries: entries }] });

beforeEach(() => ec2.reset());

const gateway = () => new Ec2NetworkAclGateway({ client: new EC2Client({ region: 'eu-west-1' }) });

describe('Ec2NetworkAclGateway', () => {
  it('creates an all-protocol deny at a rule number no existing entry uses', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves(described([...defaults, deny(1, false, '5.5.5.0/24', '6'), allow(2, false, '6.6.6.6/32'), deny(3, false, '45.0.0.9/32')]));
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    const outcome = await gateway().apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 });
    expect(ec2).toHaveReceivedCommandWith(CreateNetworkAclEntryCommand, { NetworkAclId: NACL, RuleNumber: 4, Egress: false, Protocol: '-1', RuleAction: 'deny', CidrBlock: '45.1.1.1/32' });
    expect(outcome.present).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress', ruleNumber: 4, created: true }]);
  });

  it('never gives two new entries the same rule number, nor reuses one of an existing entry', async () => {
    const existing = [...defaults, deny(1, false, '45.0.0.1/32'), deny(2, true, '45.0.0.2/32'), allow(3, false, '10.0.0.0/8')];
    ec2.on(DescribeNetworkAclsCommand).resolves(described(existing));
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    await gateway().apply(NACL, {
      deny: [
        { cidr: '45.1.1.1/32', direction: 'ingress' },
        { cidr: '45.1.1.2/32', direction: 'ingress' },
        { cidr: '45.1.1.1/32', direction: 'egress' },
        { cidr: '2a03:b0c0::1/128', direction: 'ingress' },
      ],
      lift: [],
      ruleRange: range,
      quota: 20,
    });
    const created = ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input);
    const used = (egress: boolean) => [...existing.filter((e) => e.Egress === egress).map((e) => e.RuleNumber), ...created.filter((c) => c.Egress === egress).map((c) => c.RuleNumber)];
    for (const egress of [false, true]) expect(new Set(used(egress)).size).toBe(used(egress).length);
    expect(created.find((c) => c.Ipv6CidrBlock)).toMatchObject({ Ipv6CidrBlock: '2a03:b0c0::1/128', Egress: false });
  });

  it('reconciles a rule number taken by hand between its read and its write', async () => {
    ec2
      .on(DescribeNetworkAclsCommand)
      .resolvesOnce(described(defaults))
      .resolves(described([...defaults, allow(1, false, '192.0.2.0/24')]));
    ec2.on(CreateNetworkAclEntryCommand).rejectsOnce(ec2Error('NetworkAclEntryAlreadyExists')).resolves({});
    const outcome = await gateway().apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 });
    expect(ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input.RuleNumber)).toEqual([1, 2]);
    expect(outcome.present).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress', ruleNumber: 2, created: true }]);
    expect(outcome.drift.map((d) => d.kind)).toContain('rule-number-taken');
  });

  it('treats an entry already deleted by hand as removed', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves(described([...defaults, deny(5, false, '45.1.1.1/32')]));
    ec2.on(DeleteNetworkAclEntryCommand).rejects(ec2Error('InvalidNetworkAclEntry.NotFound'));
    const outcome = await gateway().apply(NACL, { deny: [], lift: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], ruleRange: range, quota: 20 });
    expect(ec2).toHaveReceivedCommandWith(DeleteNetworkAclEntryCommand, { NetworkAclId: NACL, RuleNumber: 5, Egress: false });
    expect(outcome.absent).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress' }]);
  });

  it('re-creates a deny removed by hand rather than failing', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves(described(defaults));
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    const outcome = await gateway().apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress', expectedRuleNumber: 7 } as never], lift: [], ruleRange: range, quota: 20 });
    expect(outcome.present[0]).toMatchObject({ created: true });
    expect(outcome.drift.map((d) => d.kind)).toContain('entry-missing');
  });

  it('reports a NACL that no longer exists instead of throwing', async () => {
    ec2.on(DescribeNetworkAclsCommand).rejects(ec2Error('InvalidNetworkAclID.NotFound'));
    const outcome = await gateway().apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [{ cidr: '45.2.2.2/32', direction: 'egress' }], ruleRange: range, quota: 20 });
    expect(outcome).toMatchObject({ missing: true, rejected: [{ cidr: '45.1.1.1/32', reason: 'nacl-missing' }], absent: [{ cidr: '45.2.2.2/32' }] });
  });

  it('evicts its oldest entry and retries when the account quota is lower than configured', async () => {
    const ours = [deny(1, false, '45.0.0.1/32'), deny(2, false, '45.0.0.2/32')];
    ec2.on(DescribeNetworkAclsCommand).resolves(described([...defaults, ...ours]));
    ec2.on(CreateNetworkAclEntryCommand).rejectsOnce(ec2Error('NetworkAclEntryLimitExceeded')).resolves({});
    ec2.on(DeleteNetworkAclEntryCommand).resolves({});
    const outcome = await gateway().apply(NACL, {
      deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }],
      lift: [],
      ruleRange: range,
      quota: 40,
      evictionOrder: async () => ['45.0.0.1/32', '45.0.0.2/32'],
    });
    expect(ec2).toHaveReceivedCommandWith(DeleteNetworkAclEntryCommand, { RuleNumber: 1, Egress: false });
    expect(outcome.evicted).toEqual([{ cidr: '45.0.0.1/32', direction: 'ingress', ruleNumber: 1 }]);
    expect(outcome.present[0]).toMatchObject({ cidr: '45.1.1.1/32', created: true });
    expect(outcome.drift.map((d) => d.kind)).toContain('quota-lower-than-configured');
  });

  it('gives up with a typed error on a failure retrying cannot fix', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves(described(defaults));
    ec2.on(CreateNetworkAclEntryCommand).rejects(ec2Error('UnauthorizedOperation'));
    await expect(gateway().apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 })).rejects.toBeInstanceOf(BlockTargetError);
  });

  it('merges concurrent changes to one NACL into one read', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves(described(defaults));
    ec2.on(CreateNetworkAclEntryCommand).resolves({});
    const g = gateway();
    const [a, b] = await Promise.all([
      g.apply(NACL, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 }),
      g.apply(NACL, { deny: [{ cidr: '45.1.1.2/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 }),
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkAclsCommand, 1);
    expect(a.present.map((p) => p.ruleNumber)).toEqual([1]);
    expect(b.present.map((p) => p.ruleNumber)).toEqual([2]);
  });

  it('finds the NACL of each subnet from the association filter', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [{ NetworkAclId: 'acl-0a', VpcId: 'vpc-0v1', Associations: [{ SubnetId: 'subnet-0a1' }, { SubnetId: 'subnet-0zz' }] }],
    });
    const map = await gateway().naclsForSubnets(['subnet-0a1', 'subnet-0a1']);
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkAclsCommand, { Filters: [{ Name: 'association.subnet-id', Values: ['subnet-0a1'] }] });
    expect([...map]).toEqual([['subnet-0a1', { naclId: 'acl-0a', vpcId: 'vpc-0v1' }]]);
  });
});
