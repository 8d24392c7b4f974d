/**
 * Looking after existing blocks: expiring them when their time is up, unblocking an address on an
 * operator's request, and re-synchronising the registry with what WAF and the NACLs actually hold.
 *
 * Removal works from the records alone (they name their IP set or NACL and rule number), so it keeps
 * working after the configuration changed. A target that cannot be changed leaves its records live, to be
 * retried on the next run; a NACL that no longer exists marks its records `gone`.
 */
import { groupBy } from './group-by';
import { actionForRecord, type RemediationAction } from './actions';
import { ipSetKey, type BlockRecord, type BlockStatus, type Direction, type IpSetRef } from './block';
import { NACL_RULE_MAX, NACL_RULE_MIN, type ResponseConfig } from './config';
import type { ActionPublisher, BlockRegistry, Clock, IpSetGateway, NaclDrift, NetworkAclGateway } from './ports';
import { publishSafely, type TargetFailure } from './responder';

export interface MaintenanceDeps {
  readonly registry: BlockRegistry;
  readonly waf?: IpSetGateway;
  readonly nacl?: NetworkAclGateway;
  readonly publisher?: ActionPublisher;
  readonly clock: Clock;
  /** For the NACL rule range and quota and the IP set capacity; defaults are AWS's limits. */
  readonly config?: Pick<ResponseConfig, 'waf' | 'nacl'>;
}

export interface MaintenanceReport {
  /** Records that left the live states in this run. */
  readonly ended: readonly BlockRecord[];
  /** Live records whose target entry was re-created or renumbered (sync only). */
  readonly repaired: readonly BlockRecord[];
  readonly actions: readonly RemediationAction[];
  readonly failures: readonly TargetFailure[];
  readonly drift: readonly (NaclDrift & { readonly naclId: string })[];
  /** Publishing the actions failed; the changes themselves are done and recorded. */
  readonly publishError?: unknown;
}

/** Ended records whose removal `sync` double-checks: the ones that ended within this window (ms). */
const SYNC_LOOKBACK_MS = 7 * 24 * 3_600_000;

export class BlockMaintenance {
  constructor(private readonly deps: MaintenanceDeps) {}

  /** Removes every live block whose expiry has passed, at most `limit` per run (the rest next run). */
  async expireDue(limit = 1000): Promise<MaintenanceReport> {
    const now = this.deps.clock();
    const due = await this.deps.registry.listDue(now, limit);
    return this.finish(await this.end(due, 'expired', 'expired', now));
  }

  /**
   * Removes every live block of an address (any target). The address is not protected from being blocked
   * again by a later finding: add it to the allow-list for that.
   */
  async unblock(address: string, reason = 'unblocked by operator'): Promise<MaintenanceReport> {
    const now = this.deps.clock();
    const live = (await this.deps.registry.listByAddress(address)).filter((r) => r.status === 'active' || r.status === 'simulated');
    return this.finish(await this.end(live, 'unblocked', reason, now));
  }

  /**
   * Expires what is due, then makes WAF and the NACLs match the registry: live blocks missing from their
   * target are re-applied (drift repaired), and blocks that ended recently but are still in place are
   * removed (a failed removal never leaves an address blocked for good).
   */
  async sync(): Promise<MaintenanceReport> {
    const now = this.deps.clock();
    const expired = await this.end(await this.deps.registry.listDue(now, Number.MAX_SAFE_INTEGER), 'expired', 'expired', now);
    const active = (await this.deps.registry.list({ statuses: ['active'] })).filter((r) => r.expiresAt > now);
    const ended = (await this.deps.registry.list({ statuses: ['expired', 'evicted', 'unblocked'] })).filter(
      (r) => r.mode === 'enforce' && (r.endedAt ?? 0) >= now - SYNC_LOOKBACK_MS,
    );
    const repaired: BlockRecord[] = [];
    const failures: TargetFailure[] = [...expired.failures];
    const drift: (NaclDrift & { naclId: string })[] = [...expired.drift];

    for (const [target, group] of groupBy([...active, ...ended], (r) => (r.placement.kind === 'waf' ? r.target : `nacl:${r.placement.naclId}`))) {
      const keep = group.filter((r) => r.status === 'active');
      const drop = group.filter((r) => r.status !== 'active');
      const first = group[0]!;
      try {
        if (first.placement.kind === 'waf') {
          if (!this.deps.waf) continue;
          await this.deps.waf.apply(first.placement.ipSet, {
            add: keep.map((r) => r.address),
            remove: drop.map((r) => r.address),
            capacity: this.deps.config?.waf.capacity ?? 10_000,
          });
        } else {
          if (!this.deps.nacl) continue;
          const naclId = first.placement.naclId;
          const outcome = await this.deps.nacl.apply(naclId, {
            deny: keep.map((r) => ({ cidr: r.address, direction: direction(r), ...(ruleNumber(r) !== undefined ? { expectedRuleNumber: ruleNumber(r) } : {}) })),
            lift: drop.map((r) => ({ cidr: r.address, direction: direction(r) })),
            ruleRange: this.liftRange(group),
            quota: this.deps.config?.nacl.rulesPerNacl ?? 20,
          });
          drift.push(...outcome.drift.map((d) => ({ ...d, naclId })));
          const placed = new Map(outcome.present.map((e) => [`${e.direction}|${e.cidr}`, e.ruleNumber]));
          for (const r of keep) {
            const n = placed.get(`${direction(r)}|${r.address}`);
            if (n !== undefined && n !== ruleNumber(r)) {
              repaired.push({ ...r, placement: { kind: 'nacl', naclId, direction: direction(r), ruleNumber: n }, updatedAt: now });
            }
          }
        }
      } catch (error) {
        failures.push({ target, findingIds: [...new Set(group.map((r) => r.findingId))], error });
      }
    }
    if (repaired.length > 0) await this.deps.registry.put(repaired);
    return this.finish({ ended: expired.ended, repaired, actions: expired.actions, failures, drift });
  }

  /** Removes live records from their targets and records them with a final status. */
  private async end(records: readonly BlockRecord[], status: BlockStatus, reason: string, now: number): Promise<MaintenanceReport> {
    const ended: BlockRecord[] = [];
    const actions: RemediationAction[] = [];
    const failures: TargetFailure[] = [];
    const drift: (NaclDrift & { naclId: string })[] = [];
    const kind = status === 'expired' ? 'expire' : status === 'evicted' ? 'evict' : 'unblock';
    const close = (r: BlockRecord, finalStatus: BlockStatus, why: string): void => {
      const next: BlockRecord = { ...r, status: finalStatus, updatedAt: now, endedAt: now, endReason: why };
      ended.push(next);
      actions.push(actionForRecord(kind, next, now, why));
    };

    for (const r of records) if (r.status === 'simulated') close(r, status, reason);
    const active = records.filter((r) => r.status === 'active');

    const wafGroups = groupBy(active.filter((r) => r.placement.kind === 'waf'), (r) => r.target);
    await Promise.all(
      [...wafGroups].map(async ([target, group]) => {
        const ref = (group[0]!.placement as { ipSet: IpSetRef }).ipSet;
        try {
          if (!this.deps.waf) throw new Error(`no WAF access to remove blocks from ${ipSetKey(ref)}`);
          const outcome = await this.deps.waf.apply(ref, { add: [], remove: group.map((r) => r.address), capacity: this.deps.config?.waf.capacity ?? 10_000 });
          const absent = new Set(outcome.absent);
          for (const r of group) if (absent.has(r.address)) close(r, status, reason);
        } catch (error) {
          failures.push({ target, findingIds: [...new Set(group.map((r) => r.findingId))], error });
        }
      }),
    );

    const naclGroups = groupBy(active.filter((r) => r.placement.kind === 'nacl'), (r) => (r.placement as { naclId: string }).naclId);
    await Promise.all(
      [...naclGroups].map(async ([naclId, group]) => {
        try {
          if (!this.deps.nacl) throw new Error(`no EC2 access to remove blocks from ${naclId}`);
          const outcome = await this.deps.nacl.apply(naclId, {
            deny: [],
            lift: group.map((r) => ({ cidr: r.address, direction: direction(r) })),
            ruleRange: this.liftRange(group),
            quota: this.deps.config?.nacl.rulesPerNacl ?? 20,
          });
          drift.push(...outcome.drift.map((d) => ({ ...d, naclId })));
          if (outcome.missing) {
            for (const r of group) close(r, 'gone', `network ACL ${naclId} no longer exists`);
            return;
          }
          const absent = new Set(outcome.absent.map((e) => `${e.direction}|${e.cidr}`));
          for (const r of group) if (absent.has(`${direction(r)}|${r.address}`)) close(r, status, reason);
        } catch (error) {
          failures.push({ target: `nacl:${naclId}`, findingIds: [...new Set(group.map((r) => r.findingId))], error });
        }
      }),
    );

    if (ended.length > 0) await this.deps.registry.put(ended);
    return { ended, repaired: [], actions, failures, drift };
  }

  /**
   * The rule range within which lifts look for Vigil's entries: the configured range widened to the rule
   * numbers the records hold, so a block made before the range was moved is still found and removed.
   */
  private liftRange(records: readonly BlockRecord[]): { first: number; last: number } {
    const configured = this.deps.config?.nacl.ruleRange ?? { first: NACL_RULE_MIN, last: NACL_RULE_MAX };
    const numbers = records.map(ruleNumber).filter((n): n is number => n !== undefined);
    return { first: Math.min(configured.first, ...numbers), last: Math.max(configured.last, ...numbers) };
  }

  private async finish(report: MaintenanceReport): Promise<MaintenanceReport> {
    const publishError = await publishSafely(this.deps.publisher, report.actions);
    return publishError === undefined ? report : { ...report, publishError };
  }
}

function direction(r: BlockRecord): Direction {
  return r.placement.kind === 'nacl' ? r.placement.direction : 'ingress';
}

function ruleNumber(r: BlockRecord): number | undefined {
  return r.placement.kind === 'nacl' ? r.placement.ruleNumber : undefined;
}
