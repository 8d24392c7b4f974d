import type { Finding } from '../../lambdas/engine/finding';
import { parseResponseConfig } from '../../lambdas/response/config';
import { ResponsePolicy, type Decision, type DecisionContext } from '../../lambdas/response/decision';
import { API_CALLER, ATTACKER_V4, ATTACKER_V6, C2_SERVER, apiCall, dnsFinding, enforcedConfig, inboundBruteForce, outboundC2, portProbe } from '../support/response-findings';

const untrusted = { isTrustedIp: () => false };

function decide(finding: Finding, config = enforcedConfig(), ctx: DecisionContext = untrusted): Decision {
  return new ResponsePolicy(config).decide(finding, ctx);
}

describe('which findings act', () => {
  it('acts on an inbound brute force at or above the minimum severity', () => {
    const d = decide(inboundBruteForce(ATTACKER_V4, 5));
    expect(d.skipped).toBeUndefined();
    expect(d.intents.map((i) => i.address.cidr)).toEqual([`${ATTACKER_V4}/32`]);
  });

  it('skips a finding below the minimum severity', () => {
    expect(decide(inboundBruteForce(ATTACKER_V4, 3.9)).skipped).toBe('below-min-severity');
  });

  it('defaults to acting on High findings only', () => {
    const config = parseResponseConfig({});
    expect(decide(inboundBruteForce(ATTACKER_V4, 6.9), config).skipped).toBe('below-min-severity');
    expect(decide(inboundBruteForce(ATTACKER_V4, 7), config).skipped).toBeUndefined();
  });

  it('acts only on the configured finding types, with prefix patterns', () => {
    const config = enforcedConfig({ findingTypes: ['Backdoor:EC2/*'] });
    expect(decide(inboundBruteForce(), config).skipped).toBe('type-not-selected');
    expect(decide(outboundC2(), config).skipped).toBeUndefined();
  });

  it('lets an excluded type win over a selected one', () => {
    const config = enforcedConfig({ findingTypes: ['UnauthorizedAccess:*'], excludeFindingTypes: ['UnauthorizedAccess:EC2/SSHBruteForce'] });
    expect(decide(inboundBruteForce(), config).skipped).toBe('type-not-selected');
  });

  it('skips findings whose resource role is not selected', () => {
    const config = enforcedConfig({ resourceRoles: ['TARGET'] });
    expect(decide(outboundC2(), config).skipped).toBe('role-not-selected');
    expect(decide(inboundBruteForce(), config).skipped).toBeUndefined();
  });

  it('skips archived findings and GuardDuty sample findings', () => {
    const archived = inboundBruteForce();
    const sample = inboundBruteForce();
    expect(decide({ ...archived, service: { ...archived.service, archived: true } }).skipped).toBe('archived');
    expect(decide({ ...sample, service: { ...sample.service, additionalInfo: { sample: true } } }).skipped).toBe('sample');
  });

  it('skips DNS findings, which name a domain and no address', () => {
    expect(decide(dnsFinding()).skipped).toBe('domain-finding');
  });

  it('never throws on a malformed finding', () => {
    const broken = { id: 'x', type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, service: { action: { networkConnectionAction: 'nonsense' } } } as unknown as Finding;
    expect(decide(broken).skipped).toBe('no-remote-address');
    expect(decide(null as unknown as Finding).skipped).toBeDefined();
  });
});

describe('which address and which direction', () => {
  it('blocks the attacker of an inbound finding on ingress and at the edge', () => {
    const [intent] = decide(inboundBruteForce()).intents;
    expect(intent).toMatchObject({ naclDirections: ['ingress'], edge: true });
  });

  it('blocks the destination of an outbound finding on egress only, never at the edge', () => {
    const d = decide(outboundC2());
    expect(d.intents).toHaveLength(1);
    expect(d.intents[0]).toMatchObject({ address: { cidr: `${C2_SERVER}/32` }, naclDirections: ['egress'], edge: false });
  });

  it('blocks both directions when the connection direction is unknown', () => {
    const f = inboundBruteForce();
    const action = f.service.action as { networkConnectionAction: { connectionDirection: string } };
    action.networkConnectionAction.connectionDirection = 'UNKNOWN';
    expect(decide(f).intents[0]!.naclDirections).toEqual(['ingress', 'egress']);
  });

  it('blocks every prober of a port probe finding', () => {
    const d = decide(portProbe([ATTACKER_V4, '193.32.162.7']));
    expect(d.intents.map((i) => i.address.ip).sort()).toEqual([ATTACKER_V4, '193.32.162.7'].sort());
    expect(d.intents.every((i) => i.naclDirections.join() === 'ingress')).toBe(true);
  });

  it('sends the caller of an API finding to the WAF only', () => {
    const [intent] = decide(apiCall()).intents;
    expect(intent).toMatchObject({ address: { ip: API_CALLER }, naclDirections: [], edge: true });
  });

  it('blocks IPv6 attackers as /128 host CIDRs in canonical form', () => {
    const [intent] = decide(inboundBruteForce(ATTACKER_V6.toUpperCase())).intents;
    expect(intent!.address).toEqual({ ip: ATTACKER_V6, cidr: `${ATTACKER_V6}/128`, version: 6 });
  });

  it('treats an IPv4-mapped IPv6 attacker as the IPv4 address', () => {
    const [intent] = decide(inboundBruteForce(`::ffff:${ATTACKER_V4}`)).intents;
    expect(intent!.address.cidr).toBe(`${ATTACKER_V4}/32`);
  });

  it("takes the NACL subnets from the finding's instance details", () => {
    expect(decide(inboundBruteForce(ATTACKER_V4, 8, { subnetId: 'subnet-0f00' })).intents[0]!.subnetIds).toEqual(['subnet-0f00']);
  });
});

describe('what is never blocked', () => {
  it('refuses an address on a trusted list', () => {
    const d = decide(inboundBruteForce(), enforcedConfig(), { isTrustedIp: (ip) => ip === ATTACKER_V4 });
    expect(d.intents).toEqual([]);
    expect(d.refusals).toEqual([{ ip: ATTACKER_V4, reason: 'trusted-list' }]);
  });

  it('refuses when the trusted-list lookup itself fails, rather than risk blocking a trusted party', () => {
    const d = decide(inboundBruteForce(), enforcedConfig(), {
      isTrustedIp: () => {
        throw new Error('lists not loaded');
      },
    });
    expect(d.refusals[0]!.reason).toBe('trusted-list');
  });

  it('refuses an address inside a configured allow-list CIDR, naming the CIDR', () => {
    const d = decide(inboundBruteForce(), enforcedConfig({ allowList: ['45.155.205.0/24'] }));
    expect(d.refusals).toEqual([{ ip: ATTACKER_V4, reason: 'allow-list', detail: '45.155.205.0/24' }]);
  });

  it('refuses IPv6 addresses inside an IPv6 allow-list block', () => {
    const d = decide(inboundBruteForce(ATTACKER_V6), enforcedConfig({ allowList: ['2a03:b0c0:3::/48'] }));
    expect(d.refusals[0]).toMatchObject({ reason: 'allow-list' });
  });

  it.each([
    ['private', '10.20.30.40'],
    ['carrier-grade NAT', '100.64.1.1'],
    ['loopback', '127.0.0.1'],
    ['link-local (instance metadata)', '169.254.169.254'],
    ['multicast', '239.1.2.3'],
    ['documentation', '198.51.100.7'],
    ['IPv6 unique local', 'fd00::1'],
    ['IPv6 link-local', 'fe80::1'],
  ])('refuses a %s address', (_label, ip) => {
    const d = decide(inboundBruteForce(ip));
    expect(d.intents).toEqual([]);
    expect(d.refusals[0]).toMatchObject({ ip, reason: 'non-public' });
  });

  it('blocks a non-public address when its range is explicitly allowed to be blocked', () => {
    const d = decide(inboundBruteForce('100.64.1.1'), enforcedConfig({ blockableNonPublic: ['100.64.0.0/10'] }));
    expect(d.intents.map((i) => i.address.ip)).toEqual(['100.64.1.1']);
  });

  it("refuses the account's own configured public addresses", () => {
    const d = decide(outboundC2('52.30.1.1'), enforcedConfig({ ownAddresses: ['52.30.1.0/28'] }));
    expect(d.refusals).toEqual([{ ip: '52.30.1.1', reason: 'own-address', detail: '52.30.1.0/28' }]);
  });

  it("refuses the affected instance's own public address when a finding names it as remote", () => {
    const d = decide(inboundBruteForce('52.18.4.20'));
    expect(d.refusals[0]).toMatchObject({ reason: 'own-address', detail: 'affected resource' });
  });

  it('refuses text that is not an address without failing the finding', () => {
    const d = decide(portProbe(['not-an-ip', ATTACKER_V4]));
    expect(d.refusals).toEqual([{ ip: 'not-an-ip', reason: 'invalid-address' }]);
    expect(d.intents).toHaveLength(1);
  });
});

describe('for how long', () => {
  it('gives a block the lifetime of its severity level', () => {
    const config = enforcedConfig({ ttl: { low: '1h', medium: '6h', high: '1d', critical: '7d' } });
    expect(decide(inboundBruteForce(ATTACKER_V4, 5), config).intents[0]!.ttlMs).toBe(6 * 3_600_000);
    expect(decide(inboundBruteForce(ATTACKER_V4, 8), config).intents[0]!.ttlMs).toBe(24 * 3_600_000);
    expect(decide(inboundBruteForce(ATTACKER_V4, 9.5), config).intents[0]!.ttlMs).toBe(7 * 24 * 3_600_000);
  });
});
