/**
 * The ports the response layer acts through. Adapters implement them on AWS (DynamoDB, WAFv2, EC2,
 * EventBridge), on the embedded SQLite store (CLI), and in memory (tests).
 */
import type { BlockRecord, BlockStatus, Direction, IpSetRef } from './block';
import type { RemediationAction } from './actions';

/** Where blocks are recorded: one record per (address, target). */
export interface BlockRegistry {
  /** Records by {@link recordKey}; absent keys are simply missing from the map. */
  getMany(keys: readonly { readonly address: string; readonly target: string }[]): Promise<ReadonlyMap<string, BlockRecord>>;
  /** Writes records (insert or replace). */
  put(records: readonly BlockRecord[]): Promise<void>;
  /** Live (`active` or `simulated`) records of one target, oldest (`createdAt`) first: the eviction order. */
  listLive(target: string): Promise<BlockRecord[]>;
  /** Live records whose expiry is at or before `now`, soonest first, at most `limit`. */
  listDue(now: number, limit: number): Promise<BlockRecord[]>;
  /** Every record of one address (canonical host CIDR), live or not. */
  listByAddress(address: string): Promise<BlockRecord[]>;
  /** Records, newest first, optionally only some statuses; for the operator's listing. */
  list(filter?: { readonly statuses?: readonly BlockStatus[]; readonly limit?: number }): Promise<BlockRecord[]>;
}

/** A change to one IP set: addresses (host CIDRs) to be present, and addresses to be absent. */
export interface IpSetChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** Most addresses the set may hold after the change. */
  readonly capacity: number;
  /**
   * Addresses that may be evicted to make room, oldest first. Only called when the set would overflow;
   * addresses not in it (someone else's entries) are never evicted.
   */
  readonly evictionOrder?: () => Promise<readonly string[]>;
}

export interface IpSetOutcome {
  /** Requested additions now present (newly or already). */
  readonly present: readonly string[];
  /** Requested removals now absent (newly or already). */
  readonly absent: readonly string[];
  /** Addresses removed to make room. */
  readonly evicted: readonly string[];
  /** Requested additions that did not fit. */
  readonly rejected: readonly string[];
  /** Whether an UpdateIPSet was made (false when the set already matched). */
  readonly updated: boolean;
}

/** Reads and changes WAFv2 IP sets. */
export interface IpSetGateway {
  apply(ref: IpSetRef, change: IpSetChange): Promise<IpSetOutcome>;
}

/** One deny entry Vigil wants (or wants gone) on a NACL. */
export interface NaclDeny {
  /** Host CIDR, canonical. */
  readonly cidr: string;
  readonly direction: Direction;
}

export interface NaclChange {
  readonly deny: readonly NaclDeny[];
  readonly lift: readonly NaclDeny[];
  readonly ruleRange: { readonly first: number; readonly last: number };
  /** Entries allowed per direction and address family, default rule included. */
  readonly quota: number;
  /** Vigil's blocks in that direction that may be evicted, oldest first (host CIDRs). */
  readonly evictionOrder?: (direction: Direction) => Promise<readonly string[]>;
}

export interface NaclPresent extends NaclDeny {
  readonly ruleNumber: number;
  /** False when an entry was already there (adopted), true when Vigil created it now. */
  readonly created: boolean;
}

export type NaclRejection = 'nacl-full' | 'rule-range-full' | 'nacl-missing';

/** Something in the NACL that did not match what Vigil expected; reported, never fatal. */
export interface NaclDrift {
  readonly kind: 'entry-missing' | 'rule-number-taken' | 'shadowed-by-allow' | 'quota-lower-than-configured';
  readonly detail: string;
}

export interface NaclOutcome {
  readonly naclId: string;
  readonly present: readonly NaclPresent[];
  /** Requested lifts now absent (deleted now or already gone). */
  readonly absent: readonly NaclDeny[];
  readonly evicted: readonly (NaclDeny & { readonly ruleNumber: number })[];
  readonly rejected: readonly (NaclDeny & { readonly reason: NaclRejection })[];
  readonly drift: readonly NaclDrift[];
  /** The NACL itself no longer exists. */
  readonly missing: boolean;
}

/** The NACL a subnet is associated with, and its VPC. */
export interface SubnetNacl {
  readonly naclId: string;
  readonly vpcId: string;
}

/** Reads and changes VPC network ACLs. */
export interface NetworkAclGateway {
  naclsForSubnets(subnetIds: readonly string[]): Promise<ReadonlyMap<string, SubnetNacl>>;
  apply(naclId: string, change: NaclChange): Promise<NaclOutcome>;
}

/** Publishes remediation actions (`Vigil Remediation Action` on the findings bus). */
export interface ActionPublisher {
  publish(actions: readonly RemediationAction[]): Promise<void>;
}

/** Epoch ms. Injected so that the response layer never reads the wall clock. */
export type Clock = () => number;
