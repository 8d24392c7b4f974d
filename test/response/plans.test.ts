import { planIpSetChange } from '../../lambdas/response/ip-set-plan';
import { planNaclChange, type NaclEntry } from '../../lambdas/response/nacl-plan';

describe('IP set planning', () => {
  it('adds new addresses after the existing ones and keeps foreign entries exactly as written', () => {
    const plan = planIpSetChange(['2001:DB8::/32', '45.1.1.1/32'], { add: ['45.1.1.2/32'], remove: [], capacity: 10 });
    expect(plan.next).toEqual(['2001:DB8::/32', '45.1.1.1/32', '45.1.1.2/32']);
    expect(plan.changed).toBe(true);
  });

  it('treats an address already present in another spelling as present', () => {
    const plan = planIpSetChange(['2A03:B0C0:0003:00D0::1/128'], { add: ['2a03:b0c0:3:d0::1/128'], remove: [], capacity: 10 });
    expect(plan.changed).toBe(false);
    expect(plan.present).toEqual(['2a03:b0c0:3:d0::1/128']);
  });

  it('removes the last address, leaving an empty list to write', () => {
    const plan = planIpSetChange(['45.1.1.1/32'], { add: [], remove: ['45.1.1.1/32'], capacity: 10 });
    expect(plan.next).toEqual([]);
    expect(plan.changed).toBe(true);
  });

  it('evicts the oldest of its own blocks when the set is full, never a foreign entry', () => {
    const plan = planIpSetChange(['9.9.9.0/24', '45.1.1.1/32', '45.1.1.2/32'], { add: ['45.1.1.3/32'], remove: [], capacity: 3 }, ['45.1.1.1/32', '45.1.1.2/32']);
    expect(plan.evicted).toEqual(['45.1.1.1/32']);
    expect(plan.next).toEqual(['9.9.9.0/24', '45.1.1.2/32', '45.1.1.3/32']);
  });

  it('rejects what still does not fit when nothing may be evicted', () => {
    const plan = planIpSetChange(['9.9.9.0/24'], { add: ['45.1.1.3/32', '45.1.1.4/32'], remove: [], capacity: 2 }, []);
    expect(plan.present).toEqual(['45.1.1.3/32']);
    expect(plan.rejected).toEqual(['45.1.1.4/32']);
  });
});

const defaults: NaclEntry[] = [
  { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
  { ruleNumber: 32767, egress: false, ruleAction: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
  { ruleNumber: 100, egress: true, ruleAction: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
  { ruleNumber: 32767, egress: true, ruleAction: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
];
const range = { first: 1, last: 99 };

describe('NACL planning', () => {
  it('picks the lowest rule number in the reserved range that no entry uses', () => {
    const entries: NaclEntry[] = [...defaults, { ruleNumber: 1, egress: false, ruleAction: 'deny', protocol: '6', cidr: '5.5.5.0/24' }, { ruleNumber: 2, egress: false, ruleAction: 'allow', protocol: '-1', cidr: '6.6.6.6/32' }];
    const plan = planNaclChange(entries, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 });
    expect(plan.creates).toEqual([{ ruleNumber: 3, direction: 'ingress', cidr: '45.1.1.1/32' }]);
  });

  it('uses separate rule-number spaces for ingress and egress', () => {
    const entries: NaclEntry[] = [...defaults, { ruleNumber: 1, egress: false, ruleAction: 'deny', protocol: '-1', cidr: '7.7.7.7/32' }];
    const plan = planNaclChange(entries, { deny: [{ cidr: '45.1.1.1/32', direction: 'egress' }], lift: [], ruleRange: range, quota: 20 });
    expect(plan.creates).toEqual([{ ruleNumber: 1, direction: 'egress', cidr: '45.1.1.1/32' }]);
  });

  it('adopts an identical deny already present instead of duplicating it', () => {
    const entries: NaclEntry[] = [...defaults, { ruleNumber: 7, egress: false, ruleAction: 'deny', protocol: '-1', cidr: '45.1.1.1/32' }];
    const plan = planNaclChange(entries, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 });
    expect(plan.creates).toEqual([]);
    expect(plan.present).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress', ruleNumber: 7, created: false }]);
  });

  it('counts the quota per direction and per address family, default rule included', () => {
    const v4 = Array.from({ length: 3 }, (_, i): NaclEntry => ({ ruleNumber: 10 + i, egress: false, ruleAction: 'deny', protocol: '-1', cidr: `45.0.0.${i}/32` }));
    const full = planNaclChange([...defaults, ...v4], { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 5 });
    expect(full.rejected).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress', reason: 'nacl-full' }]);
    const v6 = planNaclChange([...defaults, ...v4], { deny: [{ cidr: '2a03::1/128', direction: 'ingress' }], lift: [], ruleRange: range, quota: 5 });
    expect(v6.creates).toHaveLength(1);
  });

  it('evicts its oldest entry of the same direction and family at capacity', () => {
    const ours = ['45.0.0.1/32', '45.0.0.2/32', '45.0.0.3/32'].map((cidr, i): NaclEntry => ({ ruleNumber: 1 + i, egress: false, ruleAction: 'deny', protocol: '-1', cidr }));
    const plan = planNaclChange([...defaults, ...ours], { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 5 }, new Map([['ingress', ['45.0.0.2/32', '45.0.0.1/32', '45.0.0.3/32']]]));
    expect(plan.evicted).toEqual([{ ruleNumber: 2, direction: 'ingress', cidr: '45.0.0.2/32' }]);
    expect(plan.deletes).toEqual(plan.evicted);
    expect(plan.creates).toEqual([{ ruleNumber: 2, direction: 'ingress', cidr: '45.1.1.1/32' }]);
  });

  it('never deletes an entry that is not its own, even when asked to lift that address', () => {
    const foreign: NaclEntry = { ruleNumber: 150, egress: false, ruleAction: 'deny', protocol: '-1', cidr: '45.1.1.1/32' };
    const plan = planNaclChange([...defaults, foreign], { deny: [], lift: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], ruleRange: range, quota: 20 });
    expect(plan.deletes).toEqual([]);
    expect(plan.absent).toEqual([{ cidr: '45.1.1.1/32', direction: 'ingress' }]);
  });

  it('reports an entry removed by hand and re-creates it', () => {
    const plan = planNaclChange(defaults, { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress', expectedRuleNumber: 4 }], lift: [], ruleRange: range, quota: 20 });
    expect(plan.creates).toHaveLength(1);
    expect(plan.drift.map((d) => d.kind)).toContain('entry-missing');
  });

  it('reports an allow entry that is evaluated before its deny', () => {
    const early: NaclEntry = { ruleNumber: 1, egress: false, ruleAction: 'allow', protocol: '6', cidr: '0.0.0.0/0' };
    const plan = planNaclChange([...defaults, early], { deny: [{ cidr: '45.1.1.1/32', direction: 'ingress' }], lift: [], ruleRange: range, quota: 20 });
    expect(plan.drift.map((d) => d.kind)).toContain('shadowed-by-allow');
  });
});
