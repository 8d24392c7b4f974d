/**
 * Remediation actions: what Vigil did (or, in dry-run, would have done) about an address. Each one is
 * published on the findings bus as a `Vigil Remediation Action` event and logged, so a SIEM or a chat
 * notifier can follow every block, extension, expiry, eviction, unblock and safety refusal.
 */
import type { BlockRecord, Placement } from './block';

/**
 * - `block`: a new block; `extend`: a repeated finding moved an existing block's expiry later;
 * - `expire`, `evict`, `unblock`: a block was removed (time ran out, room was needed, an operator asked);
 * - `refuse`: a finding asked for a block that a safety rule forbids (allow-list, trusted list, own or
 *   private address); `reject`: the target had no room and nothing could be evicted;
 * - `fail`: the target could not be changed (it is retried later).
 */
export type RemediationActionKind = 'block' | 'extend' | 'expire' | 'evict' | 'unblock' | 'refuse' | 'reject' | 'fail';

export interface RemediationAction {
  readonly action: RemediationActionKind;
  readonly mode: 'enforce' | 'dry-run';
  /** Host CIDR of the address (or the address as the finding gave it, for refusals of invalid input). */
  readonly address: string;
  readonly target?: string;
  readonly placement?: Placement;
  readonly findingId?: string;
  readonly findingType?: string;
  readonly severity?: number;
  /** ISO-8601. */
  readonly expiresAt?: string;
  readonly reason?: string;
  /** ISO-8601 time of the action. */
  readonly time: string;
}

/** The action that describes a record's latest change. */
export function actionForRecord(kind: RemediationActionKind, record: BlockRecord, now: number, reason?: string): RemediationAction {
  return {
    action: kind,
    mode: record.mode,
    address: record.address,
    target: record.target,
    placement: record.placement,
    findingId: record.findingId,
    findingType: record.findingType,
    severity: record.severity,
    expiresAt: new Date(record.expiresAt).toISOString(),
    ...(reason ? { reason } : {}),
    time: new Date(now).toISOString(),
  };
}
