/**
 * In-memory WAF and NACL gateways for responder tests: they keep IP sets and NACL entries in maps and use
 * the same pure planners as the AWS adapters, so the responder is tested against realistic behaviour.
 */
import { ipSetKey, type IpSetRef } from '../../lambdas/response/block';
import { planIpSetChange, ipSetOverflow } from '../../lambdas/response/ip-set-plan';
import { planNaclChange, type NaclEntry } from '../../lambdas/response/nacl-plan';
import type { IpSetChange, IpSetGateway, IpSetOutcome, NaclChange, NaclOutcome, NetworkAclGateway, SubnetNacl } from '../../lambdas/response/ports';

export class FakeIpSets implements IpSetGateway {
  readonly sets = new Map<string, string[]>();
  readonly updates: { key: string; addresses: string[] }[] = [];
  failWith?: Error;

  async apply(ref: IpSetRef, change: IpSetChange): Promise<IpSetOutcome> {
    if (this.failWith) throw this.failWith;
    const key = ipSetKey(ref);
    const current = this.sets.get(key) ?? [];
    const order = ipSetOverflow(current, change) > 0 && change.evictionOrder ? await change.evictionOrder() : [];
    const plan = planIpSetChange(current, change, order);
    if (plan.changed) {
      this.sets.set(key, [...plan.next]);
      this.updates.push({ key, addresses: [...plan.next] });
    }
    return { present: plan.present, absent: plan.absent, evicted: plan.evicted, rejected: plan.rejected, updated: plan.changed };
  }
}

export class FakeNacls implements NetworkAclGateway {
  readonly entries = new Map<string, NaclEntry[]>();
  readonly subnets = new Map<string, SubnetNacl>();

  constructor(naclIds: readonly string[] = []) {
    for (const id of naclIds) {
      this.entries.set(id, [
        { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
        { ruleNumber: 32767, egress: false, ruleAction: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
        { ruleNumber: 100, egress: true, ruleAction: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
        { ruleNumber: 32767, egress: true, ruleAction: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
      ]);
    }
  }

  async naclsForSubnets(subnetIds: readonly string[]): Promise<ReadonlyMap<string, SubnetNacl>> {
    return new Map(subnetIds.flatMap((s) => (this.subnets.has(s) ? [[s, this.subnets.get(s)!] as const] : [])));
  }

  async apply(naclId: string, change: NaclChange): Promise<NaclOutcome> {
    const entries = this.entries.get(naclId);
    if (!entries) {
      return { naclId, present: [], absent: [...change.lift], evicted: [], rejected: change.deny.map((d) => ({ ...d, reason: 'nacl-missing' as const })), drift: [], missing: true };
    }
    const orders = new Map();
    if (change.evictionOrder) for (const d of ['ingress', 'egress'] as const) orders.set(d, await change.evictionOrder(d));
    const plan = planNaclChange(entries, change, orders);
    let next = entries.filter((e) => !plan.deletes.some((d) => d.ruleNumber === e.ruleNumber && (d.direction === 'egress') === e.egress));
    next = [...next, ...plan.creates.map((c): NaclEntry => ({ ruleNumber: c.ruleNumber, egress: c.direction === 'egress', ruleAction: 'deny', protocol: '-1', cidr: c.cidr }))];
    this.entries.set(naclId, next);
    return { naclId, present: plan.present, absent: plan.absent, evicted: plan.evicted, rejected: plan.rejected, drift: plan.drift, missing: false };
  }

  /** Vigil's deny CIDRs on a NACL in one direction. */
  denies(naclId: string, direction: 'ingress' | 'egress'): string[] {
    return (this.entries.get(naclId) ?? []).filter((e) => e.ruleAction === 'deny' && e.ruleNumber < 100 && e.egress === (direction === 'egress')).map((e) => e.cidr);
  }
}
