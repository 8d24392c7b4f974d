/**
 * The responder: findings in, blocks out. For one batch of findings it
 * 1. decides, per finding, which addresses to block, where, and for how long ({@link ResponsePolicy});
 * 2. turns each intent into *wanted blocks*, one per target (each matching WAF IP set; each direction of
 *    each NACL: the configured ones and, if enabled, those of the finding's subnets);
 * 3. folds them with the registry: an address already blocked at a target is *extended*, not duplicated;
 * 4. applies them per target in one change (one IP set update per set, one reconciliation per NACL) in
 *    `enforce` mode, or simulates capacity in `dry-run`;
 * 5. records the outcome in the registry and publishes every action.
 *
 * One target failing does not stop the others; its blocks are reported as failures (with the finding ids,
 * so the caller can retry exactly those) and its registry records are left as they were.
 */
import type { Finding } from '../engine/finding';
import type { IntelLookup } from '../intel/types';
import { groupBy } from './group-by';
import { actionForRecord, type RemediationAction } from './actions';
import type { HostAddress } from './addresses';
import { isLive, recordKey, targetKey, type BlockRecord, type Direction, type IpSetRef, type Placement } from './block';
import type { ResponseConfig } from './config';
import { ResponsePolicy, type Decision } from './decision';
import type { ActionPublisher, BlockRegistry, Clock, IpSetGateway, NaclDrift, NetworkAclGateway } from './ports';
import { blockExpiry } from './ttl';

export interface ResponderDeps {
  readonly config: ResponseConfig;
  readonly registry: BlockRegistry;
  /** Absent (the local CLI): WAF targets are simulated whatever their mode. */
  readonly waf?: IpSetGateway;
  /** Absent (the local CLI): NACL targets are simulated, and only configured NACLs are used. */
  readonly nacl?: NetworkAclGateway;
  readonly publisher?: ActionPublisher;
  readonly intel?: Pick<IntelLookup, 'isTrustedIp'>;
  readonly clock: Clock;
}

export interface TargetFailure {
  readonly target: string;
  readonly findingIds: readonly string[];
  readonly error: unknown;
}

export interface RespondReport {
  readonly decisions: readonly Decision[];
  readonly actions: readonly RemediationAction[];
  readonly failures: readonly TargetFailure[];
  /** Differences found between a NACL and what Vigil expected; reconciled, reported for the operator. */
  readonly drift: readonly (NaclDrift & { readonly naclId: string })[];
  /**
   * Publishing the actions failed (after the publisher's own retries). The blocks themselves are in place
   * and recorded, so this is logged, not retried: retrying would repeat the change, not the event.
   */
  readonly publishError?: unknown;
}

/** One block a batch wants, before it meets the registry. */
interface Wanted {
  readonly address: HostAddress;
  readonly placement: Placement;
  readonly target: string;
  readonly mode: 'enforce' | 'dry-run';
  findingId: string;
  findingType: string;
  severity: number;
  ttlMs: number;
  readonly findingIds: Set<string>;
}

/** A wanted block folded with its registry record: what the record becomes if the block is applied. */
interface Planned {
  readonly wanted: Wanted;
  readonly previous?: BlockRecord;
  readonly next: BlockRecord;
  readonly kind: 'block' | 'extend';
}

export class Responder {
  private readonly policy: ResponsePolicy;

  constructor(private readonly deps: ResponderDeps) {
    this.policy = new ResponsePolicy(deps.config);
  }

  async respond(findings: readonly Finding[]): Promise<RespondReport> {
    const now = this.deps.clock();
    const isTrustedIp = this.deps.intel?.isTrustedIp.bind(this.deps.intel) ?? (() => false);
    const decisions = findings.map((f) => this.policy.decide(f, { isTrustedIp }));
    const actions: RemediationAction[] = [];
    const failures: TargetFailure[] = [];
    const drift: (NaclDrift & { naclId: string })[] = [];
    const refusalMode = this.anyEnforced() ? 'enforce' : 'dry-run';

    for (const d of decisions) {
      for (const r of d.refusals) {
        actions.push({ action: 'refuse', mode: refusalMode, address: r.ip, findingId: d.findingId, findingType: d.findingType, severity: d.severity, reason: r.detail ? `${r.reason}: ${r.detail}` : r.reason, time: iso(now) });
      }
    }

    const wanted = await this.wantedBlocks(decisions, failures);
    if (wanted.size > 0) {
      const previous = await this.deps.registry.getMany([...wanted.values()].map((w) => ({ address: w.address.cidr, target: w.target })));
      const planned = [...wanted.values()].map((w) => this.plan(w, previous.get(recordKey(w.address.cidr, w.target)), now));
      const writes: BlockRecord[] = [];
      await this.applyWaf(planned, now, writes, actions, failures);
      await this.applyNacl(planned, now, writes, actions, failures, drift);
      await this.simulate(planned.filter((p) => p.wanted.mode === 'dry-run'), now, writes, actions);
      if (writes.length > 0) await this.deps.registry.put(writes);
    }

    const publishError = await publishSafely(this.deps.publisher, actions);
    return { decisions, actions, failures, drift, ...(publishError !== undefined ? { publishError } : {}) };
  }

  private anyEnforced(): boolean {
    const { waf, nacl } = this.deps.config;
    return (waf.mode === 'enforce' && this.deps.waf !== undefined) || (nacl.mode === 'enforce' && this.deps.nacl !== undefined);
  }

  private modeOf(kind: 'waf' | 'nacl'): 'enforce' | 'dry-run' | 'off' {
    const mode = this.deps.config[kind].mode;
    if (mode === 'enforce' && !(kind === 'waf' ? this.deps.waf : this.deps.nacl)) return 'dry-run';
    return mode;
  }

  /** Every (address, target) the batch asks for; repeated asks fold into one, keeping the strongest. */
  private async wantedBlocks(decisions: readonly Decision[], failures: TargetFailure[]): Promise<Map<string, Wanted>> {
    const out = new Map<string, Wanted>();
    const add = (d: Decision, address: HostAddress, placement: Placement, mode: 'enforce' | 'dry-run', ttlMs: number): void => {
      const target = targetKey(placement);
      const key = recordKey(address.cidr, target);
      const existing = out.get(key);
      if (existing) {
        existing.findingIds.add(d.findingId);
        if (d.severity >= existing.severity) {
          existing.severity = d.severity;
          existing.findingId = d.findingId;
          existing.findingType = d.findingType;
        }
        existing.ttlMs = Math.max(existing.ttlMs, ttlMs);
        return;
      }
      out.set(key, { address, placement, target, mode, findingId: d.findingId, findingType: d.findingType, severity: d.severity, ttlMs, findingIds: new Set([d.findingId]) });
    };

    const wafMode = this.modeOf('waf');
    const naclMode = this.modeOf('nacl');
    const subnetNacls = naclMode === 'off' ? new Map<string, string>() : await this.resolveSubnetNacls(decisions, failures);

    for (const d of decisions) {
      for (const intent of d.intents) {
        if (wafMode !== 'off' && intent.edge) {
          for (const ipSet of this.deps.config.waf.ipSets) {
            if (ipSet.version === (intent.address.version === 4 ? 'IPV4' : 'IPV6')) add(d, intent.address, { kind: 'waf', ipSet }, wafMode, intent.ttlMs);
          }
        }
        if (naclMode !== 'off' && intent.naclDirections.length > 0) {
          const naclIds = new Set(this.deps.config.nacl.naclIds);
          for (const subnetId of intent.subnetIds) {
            const naclId = subnetNacls.get(subnetId);
            if (naclId) naclIds.add(naclId);
          }
          for (const naclId of naclIds) {
            for (const direction of intent.naclDirections) add(d, intent.address, { kind: 'nacl', naclId, direction }, naclMode, intent.ttlMs);
          }
        }
      }
    }
    return out;
  }

  /** subnet id → NACL id, for the subnets of acting findings, limited to the configured VPCs. */
  private async resolveSubnetNacls(decisions: readonly Decision[], failures: TargetFailure[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const gateway = this.deps.nacl;
    if (!this.deps.config.nacl.findingSubnets || !gateway) return out;
    const subnetIds = new Set<string>();
    const findingIds = new Set<string>();
    for (const d of decisions) {
      for (const intent of d.intents) {
        if (intent.naclDirections.length === 0) continue;
        intent.subnetIds.forEach((s) => subnetIds.add(s));
        if (intent.subnetIds.length > 0) findingIds.add(d.findingId);
      }
    }
    if (subnetIds.size === 0) return out;
    try {
      const resolved = await gateway.naclsForSubnets([...subnetIds]);
      const vpcIds = this.deps.config.nacl.vpcIds;
      for (const [subnetId, nacl] of resolved) {
        if (vpcIds.length === 0 || vpcIds.includes(nacl.vpcId)) out.set(subnetId, nacl.naclId);
      }
    } catch (error) {
      failures.push({ target: 'nacl:subnets', findingIds: [...findingIds], error });
    }
    return out;
  }

  private plan(w: Wanted, previous: BlockRecord | undefined, now: number): Planned {
    const maxDuration = this.deps.config.maxBlockDuration;
    const base = { address: w.address.cidr, target: w.target, findingId: w.findingId, findingType: w.findingType, updatedAt: now };
    // A simulated block becomes a real one when its target is switched to enforce: that is a new block.
    const continuing = previous && isLive(previous.status) && !(previous.status === 'simulated' && w.mode === 'enforce');
    if (previous && continuing) {
      return {
        wanted: w,
        previous,
        kind: 'extend',
        next: {
          ...previous,
          ...base,
          placement: previous.placement.kind === 'nacl' && w.placement.kind === 'nacl' ? { ...w.placement, ...(previous.placement.ruleNumber !== undefined ? { ruleNumber: previous.placement.ruleNumber } : {}) } : w.placement,
          severity: Math.max(previous.severity, w.severity),
          hits: previous.hits + 1,
          expiresAt: blockExpiry({ now, ttlMs: w.ttlMs, createdAt: previous.createdAt, currentExpiry: previous.expiresAt, maxDuration }),
        },
      };
    }
    return {
      wanted: w,
      ...(previous ? { previous } : {}),
      kind: 'block',
      next: {
        ...base,
        placement: w.placement,
        status: w.mode === 'enforce' ? 'active' : 'simulated',
        mode: w.mode,
        severity: w.severity,
        hits: 1,
        createdAt: now,
        expiresAt: blockExpiry({ now, ttlMs: w.ttlMs, createdAt: now, maxDuration }),
      },
    };
  }

  private async applyWaf(planned: readonly Planned[], now: number, writes: BlockRecord[], actions: RemediationAction[], failures: TargetFailure[]): Promise<void> {
    const gateway = this.deps.waf;
    if (!gateway) return;
    const byTarget = groupBy(
      planned.filter((p) => p.wanted.mode === 'enforce' && p.wanted.placement.kind === 'waf'),
      (p) => p.wanted.target,
    );
    await Promise.all(
      [...byTarget].map(async ([target, group]) => {
        const ref = (group[0]!.wanted.placement as { ipSet: IpSetRef }).ipSet;
        const ordered = [...group].sort((a, b) => b.wanted.severity - a.wanted.severity);
        let live: BlockRecord[] | undefined;
        const liveRecords = async (): Promise<BlockRecord[]> => (live ??= (await this.deps.registry.listLive(target)).filter((r) => r.status === 'active'));
        try {
          const outcome = await gateway.apply(ref, {
            add: ordered.map((p) => p.next.address),
            remove: [],
            capacity: this.deps.config.waf.capacity,
            evictionOrder: async () => (await liveRecords()).map((r) => r.address),
          });
          const present = new Set(outcome.present);
          const rejected = new Set(outcome.rejected);
          for (const p of ordered) {
            if (present.has(p.next.address)) this.accept(p, now, writes, actions);
            else if (rejected.has(p.next.address)) actions.push(actionForRecord('reject', p.next, now, `IP set ${ref.name} is full (${this.deps.config.waf.capacity}) and nothing can be evicted`));
          }
          if (outcome.evicted.length > 0) await this.recordEvictions(target, outcome.evicted, await liveRecords(), now, writes, actions, `evicted from IP set ${ref.name} to make room`);
        } catch (error) {
          this.fail(target, group, error, now, actions, failures);
        }
      }),
    );
  }

  private async applyNacl(
    planned: readonly Planned[],
    now: number,
    writes: BlockRecord[],
    actions: RemediationAction[],
    failures: TargetFailure[],
    drift: (NaclDrift & { naclId: string })[],
  ): Promise<void> {
    const gateway = this.deps.nacl;
    if (!gateway) return;
    const byNacl = groupBy(
      planned.filter((p) => p.wanted.mode === 'enforce' && p.wanted.placement.kind === 'nacl'),
      (p) => (p.wanted.placement as { naclId: string }).naclId,
    );
    const { ruleRange, rulesPerNacl } = this.deps.config.nacl;
    await Promise.all(
      [...byNacl].map(async ([naclId, group]) => {
        const live = new Map<Direction, Promise<BlockRecord[]>>();
        const liveRecords = (direction: Direction): Promise<BlockRecord[]> => {
          let p = live.get(direction);
          if (!p) {
            p = this.deps.registry.listLive(`nacl:${naclId}:${direction}`).then((rs) => rs.filter((r) => r.status === 'active'));
            live.set(direction, p);
          }
          return p;
        };
        try {
          const ordered = [...group].sort((a, b) => b.wanted.severity - a.wanted.severity);
          const outcome = await gateway.apply(naclId, {
            deny: ordered.map((p) => {
              const placement = p.previous?.status === 'active' ? p.previous.placement : undefined;
              return {
                cidr: p.next.address,
                direction: (p.wanted.placement as { direction: Direction }).direction,
                ...(placement?.kind === 'nacl' && placement.ruleNumber !== undefined ? { expectedRuleNumber: placement.ruleNumber } : {}),
              };
            }),
            lift: [],
            ruleRange,
            quota: rulesPerNacl,
            evictionOrder: async (direction) => (await liveRecords(direction)).map((r) => r.address),
          });
          drift.push(...outcome.drift.map((d) => ({ ...d, naclId })));
          const present = new Map(outcome.present.map((e) => [`${e.direction}|${e.cidr}`, e]));
          const rejected = new Map(outcome.rejected.map((e) => [`${e.direction}|${e.cidr}`, e.reason]));
          for (const p of ordered) {
            const direction = (p.wanted.placement as { direction: Direction }).direction;
            const key = `${direction}|${p.next.address}`;
            const entry = present.get(key);
            if (entry) {
              this.accept({ ...p, next: { ...p.next, placement: { kind: 'nacl', naclId, direction, ruleNumber: entry.ruleNumber } } }, now, writes, actions);
            } else if (rejected.has(key)) {
              actions.push(actionForRecord('reject', p.next, now, rejected.get(key)));
            }
          }
          for (const direction of ['ingress', 'egress'] as const) {
            const evicted = outcome.evicted.filter((e) => e.direction === direction).map((e) => e.cidr);
            if (evicted.length > 0) await this.recordEvictions(`nacl:${naclId}:${direction}`, evicted, await liveRecords(direction), now, writes, actions, `evicted from ${naclId} to stay within ${rulesPerNacl} entries`);
          }
        } catch (error) {
          this.fail(`nacl:${naclId}`, group, error, now, actions, failures);
        }
      }),
    );
  }

  /**
   * Dry-run: nothing is changed, but capacity is simulated from the registry so that the record of what
   * would have happened includes the evictions that would have happened.
   */
  private async simulate(planned: readonly Planned[], now: number, writes: BlockRecord[], actions: RemediationAction[]): Promise<void> {
    for (const [target, group] of groupBy(planned, (p) => p.wanted.target)) {
      const placement = group[0]!.wanted.placement;
      const newOnes = group.filter((p) => p.kind === 'block');
      for (const p of group) this.accept(p, now, writes, actions);
      if (newOnes.length === 0) continue;
      const live = (await this.deps.registry.listLive(target)).filter((r) => r.status === 'simulated');
      const keep = new Set(group.map((p) => p.next.address));
      for (const version of [4, 6] as const) {
        const capacity = placement.kind === 'waf' ? this.deps.config.waf.capacity : Math.min(this.deps.config.nacl.rulesPerNacl - 1, this.deps.config.nacl.ruleRange.last - this.deps.config.nacl.ruleRange.first + 1);
        const isVersion = (address: string): boolean => address.includes(':') === (version === 6);
        const existing = live.filter((r) => isVersion(r.address) && !keep.has(r.address));
        const incoming = group.filter((p) => isVersion(p.next.address)).length;
        const overflow = existing.length + incoming - capacity;
        for (const victim of existing.slice(0, Math.max(0, overflow))) {
          const ended: BlockRecord = { ...victim, status: 'evicted', updatedAt: now, endedAt: now, endReason: 'evicted to make room (simulated)' };
          writes.push(ended);
          actions.push(actionForRecord('evict', ended, now, ended.endReason));
        }
      }
    }
  }

  private accept(p: Planned, now: number, writes: BlockRecord[], actions: RemediationAction[]): void {
    writes.push(p.next);
    actions.push(actionForRecord(p.kind, p.next, now));
  }

  private async recordEvictions(target: string, evicted: readonly string[], live: readonly BlockRecord[], now: number, writes: BlockRecord[], actions: RemediationAction[], reason: string): Promise<void> {
    const byAddress = new Map(live.map((r) => [r.address, r]));
    const missing = evicted.filter((a) => !byAddress.has(a));
    if (missing.length > 0) {
      const found = await this.deps.registry.getMany(missing.map((address) => ({ address, target })));
      for (const r of found.values()) byAddress.set(r.address, r);
    }
    for (const address of evicted) {
      const record = byAddress.get(address);
      if (!record) continue;
      const ended: BlockRecord = { ...record, status: 'evicted', updatedAt: now, endedAt: now, endReason: reason };
      writes.push(ended);
      actions.push(actionForRecord('evict', ended, now, reason));
    }
  }

  private fail(target: string, group: readonly Planned[], error: unknown, now: number, actions: RemediationAction[], failures: TargetFailure[]): void {
    const findingIds = new Set<string>();
    for (const p of group) {
      p.wanted.findingIds.forEach((id) => findingIds.add(id));
      actions.push(actionForRecord('fail', p.next, now, error instanceof Error ? error.message : String(error)));
    }
    failures.push({ target, findingIds: [...findingIds], error });
  }
}

/** Publishes actions; returns the error instead of throwing it (see {@link RespondReport.publishError}). */
export async function publishSafely(publisher: ActionPublisher | undefined, actions: readonly RemediationAction[]): Promise<unknown> {
  if (!publisher || actions.length === 0) return undefined;
  try {
    await publisher.publish(actions);
    return undefined;
  } catch (error) {
    return error ?? new Error('publishing failed');
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

