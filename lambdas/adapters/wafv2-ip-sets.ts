/**
 * WAFv2 IP sets as a block target.
 *
 * UpdateIPSet replaces the whole address list and is guarded by optimistic locking: GetIPSet hands out a
 * LockToken, UpdateIPSet must present it, and any change in between makes it fail with
 * WAFOptimisticLockException. So every change is a read–modify–write round: get the set, plan the new list
 * from what it holds *now* (pure: {@link planIpSetChange}), write it with the token; on a lock conflict (or
 * an entity still settling after an update, WAFUnavailableEntityException) wait with exponential backoff
 * and full jitter, then read again and re-plan. Concurrent changes to one set are merged into one round
 * ({@link Coalescer}), which also keeps Vigil well inside WAF's control-plane rate.
 *
 * An empty list is written like any other: the last address leaves the set.
 *
 * @example
 * const gateway = new WafIpSetGateway({ regional: new WAFV2Client({}), cloudfront: new WAFV2Client({ region: 'us-east-1' }) });
 * await gateway.apply(ref, { add: ['198.51.100.7/32'], remove: [], capacity: 10_000 });
 */
import {
  GetIPSetCommand,
  UpdateIPSetCommand,
  WAFOptimisticLockException,
  WAFUnavailableEntityException,
  type WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { ipSetKey, type IpSetRef } from '../response/block';
import { Coalescer } from '../response/coalescer';
import { BlockTargetError } from '../response/errors';
import { ipSetOverflow, planIpSetChange } from '../response/ip-set-plan';
import type { IpSetChange, IpSetGateway, IpSetOutcome } from '../response/ports';
import { waitBeforeRetry, type Backoff } from './retry';

export interface WafIpSetGatewayOptions {
  /** Client for REGIONAL IP sets (ALB, API Gateway, AppSync…), in their region. */
  readonly regional: WAFV2Client;
  /** Client for CLOUDFRONT IP sets, which live in us-east-1. @default regional */
  readonly cloudfront?: WAFV2Client;
  /** @default 8 attempts, 200 ms base, 5 s cap */
  readonly backoff?: Backoff;
}

const DEFAULT_WAF_BACKOFF: Backoff = { baseDelayMs: 200, maxDelayMs: 5_000, maxAttempts: 8 };

interface Submitted {
  readonly ref: IpSetRef;
  readonly change: IpSetChange;
}

export class WafIpSetGateway implements IpSetGateway {
  private readonly coalescer: Coalescer<Submitted, IpSetOutcome>;
  private readonly backoff: Backoff;

  constructor(private readonly options: WafIpSetGatewayOptions) {
    this.backoff = options.backoff ?? DEFAULT_WAF_BACKOFF;
    this.coalescer = new Coalescer((key, items) => this.round(key, items));
  }

  apply(ref: IpSetRef, change: IpSetChange): Promise<IpSetOutcome> {
    return this.coalescer.submit(ipSetKey(ref), { ref, change });
  }

  /** One read–modify–write of one IP set for every change queued for it, retried on lock conflicts. */
  private async round(key: string, items: readonly Submitted[]): Promise<IpSetOutcome[]> {
    const ref = items[0]!.ref;
    const client = ref.scope === 'CLOUDFRONT' ? (this.options.cloudfront ?? this.options.regional) : this.options.regional;
    // Eviction orders come from the registry; read each at most once per round, whatever the retries.
    const evictionOrders = new Map<IpSetChange, Promise<readonly string[]>>();
    const orderFor = (change: IpSetChange): Promise<readonly string[]> => {
      let order = evictionOrders.get(change);
      if (!order) {
        order = change.evictionOrder ? change.evictionOrder() : Promise.resolve([]);
        evictionOrders.set(change, order);
      }
      return order;
    };

    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await waitBeforeRetry(attempt - 1, this.backoff);
      let lockToken: string;
      let addresses: readonly string[];
      try {
        const got = await client.send(new GetIPSetCommand({ Scope: ref.scope, Name: ref.name, Id: ref.id }));
        if (!got.LockToken || !got.IPSet) throw new BlockTargetError(key, 'GetIPSet returned no IP set or lock token', { attempts: attempt + 1 });
        lockToken = got.LockToken;
        addresses = got.IPSet.Addresses ?? [];
      } catch (error) {
        if (attempt + 1 < this.backoff.maxAttempts && error instanceof WAFUnavailableEntityException) continue;
        throw wrap(key, 'GetIPSet failed', error, attempt + 1);
      }

      let working = addresses;
      let changed = false;
      const outcomes: IpSetOutcome[] = [];
      for (const { change } of items) {
        const order = ipSetOverflow(working, change) > 0 ? await orderFor(change) : [];
        const plan = planIpSetChange(working, change, order);
        working = plan.next;
        changed ||= plan.changed;
        outcomes.push({ present: plan.present, absent: plan.absent, evicted: plan.evicted, rejected: plan.rejected, updated: false });
      }
      if (!changed) return outcomes;

      try {
        await client.send(
          new UpdateIPSetCommand({ Scope: ref.scope, Name: ref.name, Id: ref.id, Addresses: [...working], LockToken: lockToken }),
        );
        return outcomes.map((o) => ({ ...o, updated: true }));
      } catch (error) {
        const conflict = error instanceof WAFOptimisticLockException || error instanceof WAFUnavailableEntityException;
        if (conflict && attempt + 1 < this.backoff.maxAttempts) continue;
        throw wrap(key, conflict ? 'UpdateIPSet kept conflicting with other writers' : 'UpdateIPSet failed', error, attempt + 1);
      }
    }
  }
}

function wrap(key: string, message: string, error: unknown, attempts: number): BlockTargetError {
  if (error instanceof BlockTargetError) return error;
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  return new BlockTargetError(key, `${message} (${name})`, { cause: error, attempts });
}
