import { MemoryBlockRegistry } from '../../lambdas/adapters/block-registry-memory';
import type { RemediationAction } from '../../lambdas/response/actions';
import { BlockMaintenance } from '../../lambdas/response/maintenance';
import type { ResponseConfig } from '../../lambdas/response/config';
import { Responder } from '../../lambdas/response/responder';
import { ATTACKER_V4, ATTACKER_V6, C2_SERVER, REGIONAL_V4, REGIONAL_V6, apiCall, enforcedConfig, inboundBruteForce, outboundC2, wafRecord } from '../support/response-findings';
import { FakeIpSets, FakeNacls } from '../support/response-fakes';

const HOUR = 3_600_000;
const V4_SET = `waf:REGIONAL:${REGIONAL_V4.id}`;
const V6_SET = `waf:REGIONAL:${REGIONAL_V6.id}`;
const NACL = 'acl-0c0ffee';

function setup(config: ResponseConfig = enforcedConfig(), start = Date.UTC(2026, 2, 1)) {
  let now = start;
  const registry = new MemoryBlockRegistry();
  const waf = new FakeIpSets();
  const nacl = new FakeNacls([NACL]);
  const published: RemediationAction[] = [];
  const publisher = { publish: async (a: readonly RemediationAction[]) => void published.push(...a) };
  const responder = new Responder({ config, registry, waf, nacl, publisher, clock: () => now });
  const maintenance = new BlockMaintenance({ registry, waf, nacl, publisher, clock: () => now, config });
  return { registry, waf, nacl, published, responder, maintenance, advance: (ms: number) => (now += ms), now: () => now };
}

describe('Responder', () => {
  it('blocks an inbound attacker in the IPv4 IP set and on NACL ingress, and records both', async () => {
    const t = setup();
    const report = await t.responder.respond([inboundBruteForce()]);
    expect(report.failures).toEqual([]);
    expect(t.waf.sets.get(V4_SET)).toEqual([`${ATTACKER_V4}/32`]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([`${ATTACKER_V4}/32`]);
    expect(t.nacl.denies(NACL, 'egress')).toEqual([]);
    const records = await t.registry.listByAddress(`${ATTACKER_V4}/32`);
    expect(records.map((r) => [r.target, r.status])).toEqual(
      expect.arrayContaining([
        [V4_SET, 'active'],
        [`nacl:${NACL}:ingress`, 'active'],
      ]),
    );
    expect(records.find((r) => r.placement.kind === 'nacl')!.placement).toMatchObject({ ruleNumber: 1 });
    expect(t.published.map((a) => a.action)).toEqual(['block', 'block']);
  });

  it('blocks the destination of an outbound finding on egress only, with no WAF change', async () => {
    const t = setup();
    await t.responder.respond([outboundC2()]);
    expect(t.nacl.denies(NACL, 'egress')).toEqual([`${C2_SERVER}/32`]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([]);
    expect(t.waf.updates).toEqual([]);
  });

  it('puts IPv6 attackers in the IPv6 IP set', async () => {
    const t = setup();
    await t.responder.respond([inboundBruteForce(ATTACKER_V6)]);
    expect(t.waf.sets.get(V6_SET)).toEqual([`${ATTACKER_V6}/128`]);
    expect(t.waf.sets.get(V4_SET)).toBeUndefined();
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([`${ATTACKER_V6}/128`]);
  });

  it('makes one IP set update for a batch of findings', async () => {
    const t = setup();
    await t.responder.respond([inboundBruteForce(ATTACKER_V4), apiCall('91.240.118.172'), inboundBruteForce('193.32.162.7')]);
    expect(t.waf.updates.filter((u) => u.key === V4_SET)).toHaveLength(1);
    expect(t.waf.sets.get(V4_SET)).toHaveLength(3);
  });

  it('extends a block when the finding repeats, instead of duplicating it', async () => {
    const t = setup(enforcedConfig({ ttl: { high: '1h' } }));
    await t.responder.respond([inboundBruteForce()]);
    const [first] = await t.registry.getMany([{ address: `${ATTACKER_V4}/32`, target: V4_SET }]).then((m) => [...m.values()]);
    t.advance(30 * 60_000);
    const report = await t.responder.respond([inboundBruteForce()]);
    const [second] = await t.registry.getMany([{ address: `${ATTACKER_V4}/32`, target: V4_SET }]).then((m) => [...m.values()]);
    expect(report.actions.map((a) => a.action)).toEqual(['extend', 'extend']);
    expect(second!.createdAt).toBe(first!.createdAt);
    expect(second!.expiresAt).toBe(first!.expiresAt + 30 * 60_000);
    expect(second!.hits).toBe(2);
    expect(t.waf.sets.get(V4_SET)).toEqual([`${ATTACKER_V4}/32`]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([`${ATTACKER_V4}/32`]);
  });

  it('never shortens a block when a weaker finding repeats it', async () => {
    const t = setup(enforcedConfig({ ttl: { medium: '1h', high: '1d' } }));
    await t.responder.respond([inboundBruteForce(ATTACKER_V4, 8)]);
    t.advance(HOUR);
    await t.responder.respond([inboundBruteForce(ATTACKER_V4, 5)]);
    const record = (await t.registry.listLive(V4_SET))[0]!;
    expect(record.expiresAt).toBe(record.createdAt + 24 * HOUR);
    expect(record.severity).toBe(8);
  });

  it('caps extensions at the maximum block duration', async () => {
    const t = setup(enforcedConfig({ ttl: { high: '1d', critical: '1d' }, maxBlockDuration: '2d' }));
    await t.responder.respond([inboundBruteForce()]);
    for (let i = 0; i < 5; i++) {
      t.advance(20 * HOUR);
      await t.responder.respond([inboundBruteForce()]);
    }
    const record = (await t.registry.listLive(V4_SET))[0]!;
    expect(record.expiresAt).toBe(record.createdAt + 48 * HOUR);
  });

  it('evicts the oldest block from a full IP set and records the eviction', async () => {
    const t = setup(enforcedConfig({ waf: { mode: 'enforce', capacity: 2, ipSets: [REGIONAL_V4, REGIONAL_V6] }, nacl: { mode: 'off' } }));
    await t.responder.respond([inboundBruteForce('45.1.1.1')]);
    t.advance(1000);
    await t.responder.respond([inboundBruteForce('45.1.1.2')]);
    t.advance(1000);
    const report = await t.responder.respond([inboundBruteForce('45.1.1.3')]);
    expect(t.waf.sets.get(V4_SET)).toEqual(['45.1.1.2/32', '45.1.1.3/32']);
    expect(report.actions.map((a) => [a.action, a.address])).toEqual([
      ['block', '45.1.1.3/32'],
      ['evict', '45.1.1.1/32'],
    ]);
    const [evicted] = await t.registry.listByAddress('45.1.1.1/32');
    expect(evicted!.status).toBe('evicted');
  });

  it('evicts the oldest NACL deny when the NACL reaches its quota', async () => {
    const t = setup(enforcedConfig({ waf: { mode: 'off' }, nacl: { mode: 'enforce', naclIds: [NACL], findingSubnets: false, rulesPerNacl: 4 } }));
    // Two allow/default entries per direction already: two slots left for IPv4 ingress.
    for (const ip of ['45.1.1.1', '45.1.1.2', '45.1.1.3']) {
      await t.responder.respond([inboundBruteForce(ip)]);
      t.advance(1000);
    }
    expect(t.nacl.denies(NACL, 'ingress').sort()).toEqual(['45.1.1.2/32', '45.1.1.3/32']);
    expect((await t.registry.listByAddress('45.1.1.1/32'))[0]!.status).toBe('evicted');
  });

  it('uses the NACLs of the finding subnets, only in the configured VPCs', async () => {
    const config = enforcedConfig({ waf: { mode: 'off' }, nacl: { mode: 'enforce', findingSubnets: true, vpcIds: ['vpc-0a'] } });
    const t = setup(config);
    t.nacl.entries.set('acl-0sub', []);
    t.nacl.entries.set('acl-0other', []);
    t.nacl.subnets.set('subnet-0a1', { naclId: 'acl-0sub', vpcId: 'vpc-0a' });
    t.nacl.subnets.set('subnet-0b1', { naclId: 'acl-0other', vpcId: 'vpc-0b' });
    await t.responder.respond([inboundBruteForce('45.1.1.1', 8, { subnetId: 'subnet-0a1' }), inboundBruteForce('45.1.1.2', 8, { subnetId: 'subnet-0b1' })]);
    expect(t.nacl.entries.get('acl-0sub')!.map((e) => e.cidr)).toEqual(['45.1.1.1/32']);
    expect(t.nacl.entries.get('acl-0other')).toEqual([]);
  });

  it('publishes refusals, so a block a safety rule stopped is visible', async () => {
    const t = setup(enforcedConfig({ allowList: ['45.155.205.0/24'] }));
    await t.responder.respond([inboundBruteForce()]);
    expect(t.published).toEqual([expect.objectContaining({ action: 'refuse', address: ATTACKER_V4, reason: 'allow-list: 45.155.205.0/24' })]);
    expect(t.waf.updates).toEqual([]);
  });

  it('records dry-run blocks without touching WAF or NACLs', async () => {
    const t = setup(enforcedConfig({ waf: { mode: 'dry-run', ipSets: [REGIONAL_V4] }, nacl: { mode: 'dry-run', naclIds: [NACL] } }));
    const report = await t.responder.respond([inboundBruteForce()]);
    expect(t.waf.updates).toEqual([]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([]);
    expect(report.actions.map((a) => [a.action, a.mode])).toEqual([
      ['block', 'dry-run'],
      ['block', 'dry-run'],
    ]);
    expect((await t.registry.listLive(V4_SET))[0]!.status).toBe('simulated');
  });

  it('turns a simulated block into a real one once the target is enforced', async () => {
    const dry = setup(enforcedConfig({ nacl: { mode: 'off' }, waf: { mode: 'dry-run', ipSets: [REGIONAL_V4] } }));
    await dry.responder.respond([inboundBruteForce()]);
    const enforced = new Responder({ config: enforcedConfig({ nacl: { mode: 'off' } }), registry: dry.registry, waf: dry.waf, clock: () => dry.now() + 1000 });
    const report = await enforced.respond([inboundBruteForce()]);
    expect(report.actions.map((a) => [a.action, a.mode])).toEqual([['block', 'enforce']]);
    expect(dry.waf.sets.get(V4_SET)).toEqual([`${ATTACKER_V4}/32`]);
  });

  it('reports a failing target with its finding ids and leaves the other target done', async () => {
    const t = setup();
    t.waf.failWith = new Error('WAF is down');
    const finding = inboundBruteForce();
    const report = await t.responder.respond([finding]);
    expect(report.failures).toEqual([expect.objectContaining({ target: V4_SET, findingIds: [finding.id] })]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([`${ATTACKER_V4}/32`]);
    expect(await t.registry.listLive(V4_SET)).toEqual([]);
  });

  it('keeps going when publishing the actions fails, reporting the error', async () => {
    const t = setup();
    const responder = new Responder({ config: enforcedConfig(), registry: t.registry, waf: t.waf, nacl: t.nacl, clock: () => 0, publisher: { publish: async () => Promise.reject(new Error('bus down')) } });
    const report = await responder.respond([inboundBruteForce()]);
    expect(report.publishError).toBeInstanceOf(Error);
    expect(t.waf.sets.get(V4_SET)).toHaveLength(1);
  });
});

describe('BlockMaintenance', () => {
  it('expires exactly the blocks whose time is up, from WAF and NACLs', async () => {
    const t = setup(enforcedConfig({ ttl: { medium: '1h', high: '1d' } }));
    await t.responder.respond([inboundBruteForce('45.1.1.1', 5), inboundBruteForce('45.1.1.2', 8)]);
    t.advance(2 * HOUR);
    const report = await t.maintenance.expireDue();
    expect(report.ended.map((r) => [r.address, r.status])).toEqual([
      ['45.1.1.1/32', 'expired'],
      ['45.1.1.1/32', 'expired'],
    ]);
    expect(t.waf.sets.get(V4_SET)).toEqual(['45.1.1.2/32']);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual(['45.1.1.2/32']);
  });

  it('empties the IP set when the last block expires', async () => {
    const t = setup(enforcedConfig({ ttl: { high: '1h' }, nacl: { mode: 'off' } }));
    await t.responder.respond([inboundBruteForce()]);
    t.advance(2 * HOUR);
    await t.maintenance.expireDue();
    expect(t.waf.sets.get(V4_SET)).toEqual([]);
  });

  it('unblocks an address everywhere on request', async () => {
    const t = setup();
    await t.responder.respond([inboundBruteForce()]);
    const report = await t.maintenance.unblock(`${ATTACKER_V4}/32`);
    expect(report.ended.every((r) => r.status === 'unblocked')).toBe(true);
    expect(t.waf.sets.get(V4_SET)).toEqual([]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([]);
  });

  it('marks blocks on a NACL that no longer exists as gone', async () => {
    const t = setup();
    await t.responder.respond([inboundBruteForce()]);
    t.nacl.entries.delete(NACL);
    const report = await t.maintenance.unblock(`${ATTACKER_V4}/32`);
    expect(report.ended.find((r) => r.placement.kind === 'nacl')!.status).toBe('gone');
  });

  it('re-applies a live block removed by hand when syncing', async () => {
    const t = setup();
    await t.responder.respond([inboundBruteForce()]);
    t.waf.sets.set(V4_SET, []);
    t.nacl.entries.set(NACL, t.nacl.entries.get(NACL)!.filter((e) => e.cidr !== `${ATTACKER_V4}/32`));
    const report = await t.maintenance.sync();
    expect(t.waf.sets.get(V4_SET)).toEqual([`${ATTACKER_V4}/32`]);
    expect(t.nacl.denies(NACL, 'ingress')).toEqual([`${ATTACKER_V4}/32`]);
    expect(report.drift.map((d) => d.kind)).toContain('entry-missing');
  });

  it('removes on sync a block that ended but is still in place', async () => {
    const t = setup(enforcedConfig({ nacl: { mode: 'off' } }));
    const now = t.now();
    await t.registry.put([wafRecord('45.9.9.9/32', now - HOUR, now - 1000, { status: 'expired', endedAt: now - 1000 })]);
    t.waf.sets.set(V4_SET, ['45.9.9.9/32']);
    await t.maintenance.sync();
    expect(t.waf.sets.get(V4_SET)).toEqual([]);
  });
});
