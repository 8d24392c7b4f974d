/**
 * The block record: one address blocked (or, in dry-run, recorded as it would be) at one target.
 *
 * A *target* is one place a block lives: a WAF IP set (`waf:<scope>:<ipSetId>`) or one direction of a
 * network ACL (`nacl:<naclId>:ingress|egress`). The same address blocked in two IP sets and one NACL is
 * three records. Records are self-describing (they carry the IP set reference or the NACL id and rule
 * number), so expiry and unblocking work even after the configuration has changed.
 */

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** `enforce` changes WAF and NACLs; `dry-run` decides and records only; `off` ignores the target. */
export type ResponseMode = 'off' | 'dry-run' | 'enforce';

export type WafScope = 'REGIONAL' | 'CLOUDFRONT';
export type IpVersionName = 'IPV4' | 'IPV6';

/** Names one WAFv2 IP set, as UpdateIPSet needs it. */
export interface IpSetRef {
  readonly scope: WafScope;
  readonly name: string;
  readonly id: string;
  /** Which addresses the set holds; WAF refuses the other family. */
  readonly version: IpVersionName;
  readonly arn?: string;
}

export interface WafPlacement {
  readonly kind: 'waf';
  readonly ipSet: IpSetRef;
}

export interface NaclPlacement {
  readonly kind: 'nacl';
  readonly naclId: string;
  readonly direction: Direction;
  /** The deny entry's rule number, once one is assigned (never in dry-run). */
  readonly ruleNumber?: number;
}

export type Placement = WafPlacement | NaclPlacement;

/**
 * Where a record stands. `active` and `simulated` are *live* (in place, or would be); the others are final:
 * `expired` (its time ran out), `evicted` (removed to make room for a newer block), `unblocked` (an operator
 * removed it), `gone` (its target no longer exists).
 */
export type BlockStatus = 'active' | 'simulated' | 'expired' | 'evicted' | 'unblocked' | 'gone';
export const LIVE_STATUSES: readonly BlockStatus[] = ['active', 'simulated'];
export const BLOCK_STATUSES: readonly BlockStatus[] = ['active', 'simulated', 'expired', 'evicted', 'unblocked', 'gone'];

export function isLive(status: BlockStatus): boolean {
  return status === 'active' || status === 'simulated';
}

export interface BlockRecord {
  /** The blocked address as a host CIDR in canonical form: `198.51.100.7/32`, `2001:db8::7/128`. */
  readonly address: string;
  /** The target key (see {@link targetKey}). */
  readonly target: string;
  readonly placement: Placement;
  readonly status: BlockStatus;
  /** The target's mode when the block was made; `dry-run` records never touched AWS. */
  readonly mode: 'enforce' | 'dry-run';
  /** The latest finding that asked for this block. */
  readonly findingId: string;
  readonly findingType: string;
  /** Highest severity among the findings that asked for it. */
  readonly severity: number;
  /** How many decisions asked for this block (the first plus every extension). */
  readonly hits: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
  /** When the record left the live states, and why (for final statuses). */
  readonly endedAt?: number;
  readonly endReason?: string;
}

/** The key of a record in the registry: one address at one target. */
export function recordKey(address: string, target: string): string {
  return `${address}|${target}`;
}

/**
 * The target key of a placement. Rule numbers are not part of it: a NACL block keeps its key when drift
 * forces a new rule number.
 *
 * @example
 * targetKey({ kind: 'nacl', naclId: 'acl-0abc', direction: 'egress' }) // 'nacl:acl-0abc:egress'
 */
export function targetKey(placement: Placement): string {
  return placement.kind === 'waf'
    ? `waf:${placement.ipSet.scope}:${placement.ipSet.id}`
    : `nacl:${placement.naclId}:${placement.direction}`;
}

/** `waf:<scope>:<id>` of an IP set. */
export function ipSetKey(ref: IpSetRef): string {
  return `waf:${ref.scope}:${ref.id}`;
}
