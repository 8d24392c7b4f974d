/**
 * VPC network ACLs as a block target: deny entries, ingress and egress, IPv4 and IPv6.
 *
 * Every change starts from the NACL's actual entries (DescribeNetworkAcls) and is planned by
 * {@link planNaclChange}: Vigil's entries are recognised by their shape, rule numbers are picked from the
 * reserved range among those no entry uses, the per-direction, per-family quota is respected by evicting
 * Vigil's oldest entry. The plan then runs deletes first (freeing slots), creates second. Whatever changed
 * in between is met, not fatal:
 * - a rule number taken meanwhile (NetworkAclEntryAlreadyExists): read again, re-plan, retry;
 * - the quota lower than configured (NetworkAclEntryLimitExceeded): lower it to what the NACL holds, re-plan;
 * - an entry already deleted (InvalidNetworkAclEntry.NotFound): it is gone, as wanted;
 * - the NACL itself gone (InvalidNetworkAclID.NotFound): reported as `missing`.
 *
 * @example
 * const gateway = new Ec2NetworkAclGateway({ client: new EC2Client({}) });
 * await gateway.apply('acl-0abc', { deny: [{ cidr: '198.51.100.7/32', direction: 'ingress' }], lift: [], ruleRange: { first: 1, last: 99 }, quota: 20 });
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type EC2Client,
  type NetworkAcl,
} from '@aws-sdk/client-ec2';
import type { Direction } from '../response/block';
import { Coalescer } from '../response/coalescer';
import { BlockTargetError } from '../response/errors';
import { planNaclChange, type NaclEntry, type NaclEntryChange } from '../response/nacl-plan';
import type { NaclChange, NaclDeny, NaclDrift, NaclOutcome, NaclPresent, NetworkAclGateway, SubnetNacl } from '../response/ports';

export interface Ec2NetworkAclGatewayOptions {
  readonly client: EC2Client;
  /** Read–plan–write rounds per change before giving up on a NACL that keeps changing. @default 5 */
  readonly maxRounds?: number;
}

/** DescribeNetworkAcls accepts at most 200 values per filter. */
const MAX_FILTER_VALUES = 200;

export class Ec2NetworkAclGateway implements NetworkAclGateway {
  private readonly client: EC2Client;
  private readonly maxRounds: number;
  private readonly coalescer: Coalescer<NaclChange, NaclOutcome>;

  constructor(options: Ec2NetworkAclGatewayOptions) {
    this.client = options.client;
    this.maxRounds = options.maxRounds ?? 5;
    this.coalescer = new Coalescer((naclId, changes) => this.round(naclId, changes));
  }

  async naclsForSubnets(subnetIds: readonly string[]): Promise<ReadonlyMap<string, SubnetNacl>> {
    const wanted = [...new Set(subnetIds)];
    const out = new Map<string, SubnetNacl>();
    for (let i = 0; i < wanted.length; i += MAX_FILTER_VALUES) {
      const chunk = wanted.slice(i, i + MAX_FILTER_VALUES);
      let nextToken: string | undefined;
      do {
        let page;
        try {
          page = await this.client.send(
            new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: chunk }], ...(nextToken ? { NextToken: nextToken } : {}) }),
          );
        } catch (error) {
          throw new BlockTargetError('nacl:subnets', `DescribeNetworkAcls for ${chunk.length} subnet(s) failed (${errorName(error)})`, { cause: error });
        }
        for (const acl of page.NetworkAcls ?? []) {
          if (!acl.NetworkAclId || !acl.VpcId) continue;
          for (const association of acl.Associations ?? []) {
            if (association.SubnetId && chunk.includes(association.SubnetId)) {
              out.set(association.SubnetId, { naclId: acl.NetworkAclId, vpcId: acl.VpcId });
            }
          }
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return out;
  }

  apply(naclId: string, change: NaclChange): Promise<NaclOutcome> {
    return this.coalescer.submit(naclId, change);
  }

  /** Applies every change queued for one NACL as one plan, then hands each change its part of the outcome. */
  private async round(naclId: string, changes: readonly NaclChange[]): Promise<NaclOutcome[]> {
    const merged = await this.reconcile(naclId, {
      deny: changes.flatMap((c) => c.deny),
      lift: changes.flatMap((c) => c.lift),
      ruleRange: {
        first: Math.min(...changes.map((c) => c.ruleRange.first)),
        last: Math.max(...changes.map((c) => c.ruleRange.last)),
      },
      quota: Math.min(...changes.map((c) => c.quota)),
      evictionOrder: changes.find((c) => c.evictionOrder)?.evictionOrder,
    });
    const key = (d: NaclDeny): string => `${d.direction}|${d.cidr}`;
    return changes.map((change, i) => {
      const denies = new Set(change.deny.map(key));
      const lifts = new Set(change.lift.map(key));
      return {
        naclId,
        present: merged.present.filter((p) => denies.has(key(p))),
        absent: merged.absent.filter((a) => lifts.has(key(a))),
        rejected: merged.rejected.filter((r) => denies.has(key(r))),
        // Evictions and drift belong to the round, not to one change: report them once.
        evicted: i === 0 ? merged.evicted : [],
        drift: i === 0 ? merged.drift : [],
        missing: merged.missing,
      };
    });
  }

  private async reconcile(naclId: string, change: NaclChange): Promise<NaclOutcome> {
    const created = new Set<string>();
    const evicted: (NaclDeny & { ruleNumber: number })[] = [];
    const drift: NaclDrift[] = [];
    const lowered = new Map<string, number>();
    const evictionOrders = new Map<Direction, readonly string[]>();
    const key = (d: { direction: Direction; cidr: string }): string => `${d.direction}|${d.cidr}`;

    for (let round = 1; ; round++) {
      const acl = await this.describe(naclId);
      if (!acl) {
        return {
          naclId,
          present: [],
          absent: change.lift.map((l) => ({ cidr: l.cidr, direction: l.direction })),
          evicted,
          rejected: change.deny.map((d) => ({ cidr: d.cidr, direction: d.direction, reason: 'nacl-missing' as const })),
          drift,
          missing: true,
        };
      }
      const entries = entriesOf(acl);
      const quota = (direction: Direction, version: 4 | 6): number => lowered.get(`${direction}|${version}`) ?? change.quota;
      await this.loadEvictionOrders(change, entries, evictionOrders, (direction) => Math.min(quota(direction, 4), quota(direction, 6)));
      const plan = planNaclChange(
        entries,
        { deny: change.deny, lift: change.lift, ruleRange: change.ruleRange, quota },
        evictionOrders,
      );

      const conflict = await this.execute(naclId, plan.deletes, plan.creates, created);
      if (plan.deletes.length > 0) {
        const evictedNow = new Set(plan.evicted.map(key));
        for (const d of plan.deletes) if (evictedNow.has(key(d))) evicted.push({ cidr: d.cidr, direction: d.direction, ruleNumber: d.ruleNumber });
      }
      if (!conflict) {
        drift.push(...plan.drift);
        const present: NaclPresent[] = plan.present.map((p) => ({ ...p, created: p.created || created.has(key(p)) }));
        return { naclId, present, absent: plan.absent, evicted, rejected: plan.rejected, drift, missing: false };
      }
      if (conflict.kind === 'limit') {
        const version = conflict.entry.cidr.includes(':') ? 6 : 4;
        const held = entries.filter((e) => (e.egress ? 'egress' : 'ingress') === conflict.entry.direction && e.cidr.includes(':') === (version === 6)).length;
        lowered.set(`${conflict.entry.direction}|${version}`, Math.max(1, held - plan.deletes.filter((d) => d.direction === conflict.entry.direction).length));
        drift.push({ kind: 'quota-lower-than-configured', detail: `${naclId} refused entry ${held + 1} (${conflict.entry.direction}, IPv${version}); the account's quota is below ${change.quota}` });
      } else {
        drift.push({ kind: 'rule-number-taken', detail: `rule ${conflict.entry.ruleNumber} (${conflict.entry.direction}) on ${naclId} was taken while Vigil was writing; re-planned` });
      }
      if (round >= this.maxRounds) {
        throw new BlockTargetError(`nacl:${naclId}`, `the NACL kept changing under Vigil for ${round} rounds`, { cause: conflict.error, attempts: round });
      }
    }
  }

  /** Runs deletes, then creates. Returns the first create that met a changed NACL, if any. */
  private async execute(
    naclId: string,
    deletes: readonly NaclEntryChange[],
    creates: readonly NaclEntryChange[],
    created: Set<string>,
  ): Promise<{ kind: 'taken' | 'limit'; entry: NaclEntryChange; error: unknown } | undefined> {
    for (const d of deletes) {
      try {
        await this.client.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: d.ruleNumber, Egress: d.direction === 'egress' }));
      } catch (error) {
        if (errorName(error) !== 'InvalidNetworkAclEntry.NotFound') {
          throw new BlockTargetError(`nacl:${naclId}`, `DeleteNetworkAclEntry ${d.ruleNumber} (${d.direction}) failed (${errorName(error)})`, { cause: error });
        }
      }
    }
    for (const c of creates) {
      const ipv6 = c.cidr.includes(':');
      try {
        await this.client.send(
          new CreateNetworkAclEntryCommand({
            NetworkAclId: naclId,
            RuleNumber: c.ruleNumber,
            Egress: c.direction === 'egress',
            Protocol: '-1',
            RuleAction: 'deny',
            ...(ipv6 ? { Ipv6CidrBlock: c.cidr } : { CidrBlock: c.cidr }),
          }),
        );
        created.add(`${c.direction}|${c.cidr}`);
      } catch (error) {
        const name = errorName(error);
        if (name === 'NetworkAclEntryAlreadyExists') return { kind: 'taken', entry: c, error };
        if (name === 'NetworkAclEntryLimitExceeded') return { kind: 'limit', entry: c, error };
        throw new BlockTargetError(`nacl:${naclId}`, `CreateNetworkAclEntry ${c.ruleNumber} (${c.direction}) failed (${name})`, { cause: error });
      }
    }
    return undefined;
  }

  private async describe(naclId: string): Promise<NetworkAcl | undefined> {
    try {
      const out = await this.client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [naclId] }));
      return out.NetworkAcls?.find((a) => a.NetworkAclId === naclId);
    } catch (error) {
      if (errorName(error) === 'InvalidNetworkAclID.NotFound') return undefined;
      throw new BlockTargetError(`nacl:${naclId}`, `DescribeNetworkAcls failed (${errorName(error)})`, { cause: error });
    }
  }

  /** Reads eviction orders only for directions that may need to evict: the registry query is not free. */
  private async loadEvictionOrders(
    change: NaclChange,
    entries: readonly NaclEntry[],
    orders: Map<Direction, readonly string[]>,
    quota: (direction: Direction) => number,
  ): Promise<void> {
    if (!change.evictionOrder) return;
    for (const direction of ['ingress', 'egress'] as const) {
      if (orders.has(direction)) continue;
      const denies = change.deny.filter((d) => d.direction === direction).length;
      if (denies === 0) continue;
      const held = entries.filter((e) => e.egress === (direction === 'egress')).length;
      const rangeSize = change.ruleRange.last - change.ruleRange.first + 1;
      if (held + denies >= quota(direction) || denies >= rangeSize) orders.set(direction, await change.evictionOrder(direction));
    }
  }
}

function entriesOf(acl: NetworkAcl): NaclEntry[] {
  const out: NaclEntry[] = [];
  for (const e of acl.Entries ?? []) {
    const cidr = e.CidrBlock ?? e.Ipv6CidrBlock;
    if (e.RuleNumber === undefined || !cidr) continue;
    out.push({ ruleNumber: e.RuleNumber, egress: e.Egress === true, ruleAction: e.RuleAction === 'deny' ? 'deny' : 'allow', protocol: e.Protocol ?? '-1', cidr });
  }
  return out;
}

function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string } | null;
  return e?.Code ?? e?.code ?? e?.name ?? 'Error';
}
