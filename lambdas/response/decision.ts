/**
 * The decision: does a finding act, against which addresses, in which directions, and for how long.
 *
 * Pure and total: any finding (even a malformed one) gets a {@link Decision}, never an exception. A finding
 * that is out of scope is *skipped* (by type, severity, role, archive state, sample flag, or because it names
 * a domain). Within scope, each remote address becomes a {@link BlockIntent} or a *refusal*: Vigil never
 * blocks an address on a trusted list, on the configured allow-list, among the account's own addresses or
 * the affected resource's own, or in a private or reserved range (unless that range is configured as
 * blockable). Refusals matter: they are published, because they are the cases where a finding asked for a
 * block and a safety rule said no.
 */
import type { Finding } from '../engine/finding';
import { classifyIp } from '../intel/ip';
import { CidrSet } from '../intel/cidr-set';
import { hostAddress, lenientCidrSet, type HostAddress } from './addresses';
import type { Direction } from './block';
import { findingTypeSelected, type ResponseConfig } from './config';
import { findingOwnAddresses, findingSubnetIds, isDomainFinding, remoteParties, type RemotePartySource } from './remote-party';
import { ttlFor } from './ttl';

/** Why a finding did not act at all. Stable strings: they appear in logs and metrics. */
export type SkipReason =
  | 'archived'
  | 'sample'
  | 'type-not-selected'
  | 'below-min-severity'
  | 'role-not-selected'
  | 'domain-finding'
  | 'no-remote-address';

/** Why a remote address was not blocked although its finding acts. Stable strings. */
export type RefusalReason = 'invalid-address' | 'own-address' | 'allow-list' | 'trusted-list' | 'non-public';

export interface BlockIntent {
  readonly address: HostAddress;
  /** NACL directions to deny; empty when only the WAF applies. */
  readonly naclDirections: readonly Direction[];
  /** Whether the address belongs in the WAF IP sets (it sends requests to the account). */
  readonly edge: boolean;
  readonly sources: readonly RemotePartySource[];
  /** Lifetime the finding's severity gives the block (ms). */
  readonly ttlMs: number;
  /** Subnets of the affected instance, whose NACLs may receive the block. */
  readonly subnetIds: readonly string[];
}

export interface Refusal {
  readonly ip: string;
  readonly reason: RefusalReason;
  /** The matching allow-list CIDR, the address class, etc. */
  readonly detail?: string;
}

export interface Decision {
  readonly findingId: string;
  readonly findingType: string;
  readonly severity: number;
  readonly skipped?: SkipReason;
  readonly intents: readonly BlockIntent[];
  readonly refusals: readonly Refusal[];
}

export interface DecisionContext {
  /** The trusted lists (`IntelLookup.isTrustedIp`). */
  readonly isTrustedIp: (ip: string) => boolean;
}

/**
 * The configured decision rules, compiled once (allow-lists parsed) and applied to every finding.
 *
 * @example
 * const policy = new ResponsePolicy(config);
 * const decision = policy.decide(finding, { isTrustedIp: intel.isTrustedIp });
 * if (!decision.skipped) for (const intent of decision.intents) plan(intent);
 */
export class ResponsePolicy {
  private readonly allowList: CidrSet;
  private readonly ownAddresses: CidrSet;
  private readonly blockableNonPublic: CidrSet;

  constructor(readonly config: ResponseConfig) {
    this.allowList = CidrSet.from(config.allowList);
    this.ownAddresses = CidrSet.from(config.ownAddresses);
    this.blockableNonPublic = CidrSet.from(config.blockableNonPublic);
  }

  decide(finding: Finding, ctx: DecisionContext): Decision {
    const findingId = typeof finding?.id === 'string' ? finding.id : '';
    const findingType = typeof finding?.type === 'string' ? finding.type : '';
    const severity = typeof finding?.severity === 'number' && Number.isFinite(finding.severity) ? finding.severity : 0;
    const base = { findingId, findingType, severity };
    const skip = (skipped: SkipReason): Decision => ({ ...base, skipped, intents: [], refusals: [] });

    const service = finding?.service as Partial<Finding['service']> | undefined;
    if (service?.archived === true) return skip('archived');
    // GuardDuty marks sample findings; acting on one would block a made-up address.
    if (service?.additionalInfo?.sample === true || service?.additionalInfo?.sample === 'true') return skip('sample');
    if (!findingTypeSelected(this.config, findingType)) return skip('type-not-selected');
    if (severity < this.config.minSeverity) return skip('below-min-severity');
    const role = service?.resourceRole;
    if (role !== undefined && !this.config.resourceRoles.includes(role as 'ACTOR' | 'TARGET')) return skip('role-not-selected');

    const parties = remoteParties(finding);
    if (parties.length === 0) return skip(isDomainFinding(finding) ? 'domain-finding' : 'no-remote-address');

    const ownOfResource = lenientCidrSet(findingOwnAddresses(finding));
    const ttlMs = ttlFor(severity, this.config.ttl);
    const subnetIds = findingSubnetIds(finding);
    const refusals: Refusal[] = [];
    const intents = new Map<string, { address: HostAddress; directions: Set<Direction>; edge: boolean; sources: Set<RemotePartySource> }>();

    for (const party of parties) {
      const address = hostAddress(party.ip);
      if (!address) {
        refusals.push({ ip: party.ip, reason: 'invalid-address' });
        continue;
      }
      const refusal = this.refusalFor(address, ownOfResource, ctx);
      if (refusal) {
        if (!refusals.some((r) => r.ip === refusal.ip && r.reason === refusal.reason)) refusals.push(refusal);
        continue;
      }
      const existing = intents.get(address.cidr);
      if (existing) {
        party.naclDirections.forEach((d) => existing.directions.add(d));
        existing.edge ||= party.edge;
        existing.sources.add(party.source);
      } else {
        intents.set(address.cidr, { address, directions: new Set(party.naclDirections), edge: party.edge, sources: new Set([party.source]) });
      }
    }

    return {
      ...base,
      intents: [...intents.values()].map((i) => ({
        address: i.address,
        naclDirections: (['ingress', 'egress'] as const).filter((d) => i.directions.has(d)),
        edge: i.edge,
        sources: [...i.sources],
        ttlMs,
        subnetIds,
      })),
      refusals,
    };
  }

  /**
   * Why this address must never be blocked, or undefined when it may be. Also used by the operator CLI
   * and by re-application, so a block made before an allow-list entry was added is not re-made.
   */
  refusalFor(address: HostAddress, ownOfResource: CidrSet | undefined, ctx: DecisionContext): Refusal | undefined {
    const ip = address.ip;
    if (ownOfResource?.has(ip)) return { ip, reason: 'own-address', detail: 'affected resource' };
    const own = this.ownAddresses.find(ip);
    if (own) return { ip, reason: 'own-address', detail: own };
    const allowed = this.allowList.find(ip);
    if (allowed) return { ip, reason: 'allow-list', detail: allowed };
    if (safeTrusted(ctx, ip)) return { ip, reason: 'trusted-list' };
    const ipClass = classifyIp(ip);
    if (ipClass !== 'public' && !this.blockableNonPublic.has(ip)) return { ip, reason: 'non-public', detail: ipClass };
    return undefined;
  }
}

/** A trusted-list lookup that throws must not turn into a block: treat the failure as "trusted". */
function safeTrusted(ctx: DecisionContext, ip: string): boolean {
  try {
    return ctx.isTrustedIp(ip);
  } catch {
    return true;
  }
}
