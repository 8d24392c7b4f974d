/**
 * The engine's storage ports besides state: where findings live, and which inputs were already applied.
 * Adapters implement them on DynamoDB (AWS), on the embedded SQLite store (CLI) and in memory (tests).
 */
import type { Finding } from './finding';

/** Why a stored finding is archived, when it is. */
export type ArchiveReason =
  /** An operator archived it (`vigil findings archive`, ArchiveFindings). New activity unarchives it. */
  | { readonly by: 'user' }
  /** A suppression rule matched it: it stays archived and is never published. */
  | { readonly by: 'suppression-rule'; readonly rule: string };

/** A finding plus what Vigil keeps about it outside GuardDuty's schema. */
export interface StoredFinding {
  readonly finding: Finding;
  readonly archiveReason?: ArchiveReason;
  /** Event time (ms) of the latest occurrence; decides which occurrence's action the finding shows. */
  readonly actionTime: number;
}

export interface FindingRepository {
  getMany(ids: readonly string[]): Promise<ReadonlyMap<string, StoredFinding>>;
  /** Writes new and updated findings of one input batch (see {@link InputLedger} for `token`). */
  putMany(findings: readonly StoredFinding[], token: string): Promise<void>;
}

/**
 * Remembers which inputs were applied, so that a redelivered S3 object, a re-read Kinesis record or a file
 * scanned twice changes nothing. A token names an input unit: `s3://bucket/key#etag`, `kinesis:shard#seq`,
 * or `file:sha256#batch`.
 */
export interface InputLedger {
  /**
   * Starts applying `token`. Returns false if it was already applied (the caller then skips the batch).
   * A transactional store starts a transaction here.
   */
  begin(token: string): Promise<boolean>;
  /** Records `token` as applied; a transactional store commits here. */
  commit(token: string): Promise<void>;
  /** Gives up on `token` after an error; a transactional store rolls back. */
  abort(token: string): Promise<void>;
}

/** What an inventory knows about one network interface. */
export interface InterfaceInfo {
  readonly interfaceId: string;
  readonly instanceId?: string;
  /** Every private and public address (IPv4 and IPv6) of the interface. */
  readonly addresses: ReadonlySet<string>;
  /** Set when the instance belongs to an EMR cluster (its `aws:elasticmapreduce:job-flow-id` tag). */
  readonly emrClusterId?: string;
}

/**
 * Which interface an address or interface id belongs to: an inventory (`--inventory` locally, EC2 in AWS).
 * Flow detectors use it to tell which side of a record is ours when both addresses are private, so traffic
 * between two known instances gives the ACTOR finding on one and the TARGET finding on the other. Lookups
 * are synchronous and cheap: they happen per flow record.
 */
export interface InterfaceDirectory {
  byInterface(interfaceId: string): InterfaceInfo | undefined;
  byAddress(address: string): InterfaceInfo | undefined;
}
