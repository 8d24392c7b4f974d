/**
 * The detector contract.
 *
 * A detector reads events of one log source and reports {@link Observation}s: "this activity, on this
 * resource, is an instance of finding type T". The engine turns observations into GuardDuty findings,
 * aggregates them and stores them; detectors never see findings, stores or the wall clock.
 *
 * Two styles, freely mixed in one detector:
 * - *single-event*: `onEvent` calls `ctx.emit` directly (root credential use, a threat-listed caller);
 * - *stateful*: `onEvent` calls `ctx.accumulate` with a keyed delta (a counter in a time window, a set of
 *   distinct ports); after the batch the engine merges all deltas into the State port and calls
 *   `onState` once per touched key with the merged totals, where thresholds are decided.
 */
import type { EventBySource, LogSource } from './events';
import type { FindingAction, FindingAdditionalInfo, FindingEvidence, FindingResource, ResourceRole, SeverityLevel } from './finding';
import type { InterfaceDirectory } from './ports';
import type { StateDelta, StateValue } from './state';
import type { IntelLookup } from '../intel/types';

/** One finding type a detector can raise, with GuardDuty's default severity for it. */
export interface FindingTypeMeta {
  readonly type: string;
  readonly severity: SeverityLevel;
  /** `resource.resourceType` of findings of this type. */
  readonly resourceType: 'Instance' | 'AccessKey' | 'S3Bucket';
  readonly description: string;
}

/** A threat or trusted list a case loads, written inline. */
export interface CaseList {
  readonly name: string;
  readonly category: string;
  readonly kind: 'threat' | 'trusted';
  readonly entries: readonly string[];
}

/** An example a detector must (or must not) fire on, kept beside its logic and run by the registry test. */
export interface DetectorCase<S extends LogSource = LogSource> {
  readonly name: string;
  readonly events: readonly EventBySource[S][];
  /** Lists loaded for this case only. */
  readonly intel?: readonly CaseList[];
  /** Settings overriding the detector's defaults for this case. */
  readonly settings?: Readonly<Record<string, number | string | boolean>>;
  /** Finding types expected, in any order; empty for a case that must stay quiet. */
  readonly expect: readonly string[];
}

export interface DetectorMeta {
  /** Stable, kebab-case; prefixes the detector's state keys and names it in metrics and errors. */
  readonly id: string;
  readonly title: string;
  readonly findingTypes: readonly FindingTypeMeta[];
  readonly mitre?: { readonly tactic: string; readonly technique?: string };
  /** One line for the responder: what to check first. */
  readonly runbook: string;
  /** Categories of `--intel CATEGORY=FILE` feeds this detector reads. */
  readonly intelCategories?: readonly string[];
  /** Thresholds and switches, with their defaults; overridable through engine options by detector id. */
  readonly defaults?: Readonly<Record<string, number | string | boolean>>;
}

/** What a detector reports. The engine adds ids, timestamps, account/region defaults and aggregation. */
export interface Observation {
  readonly type: string;
  readonly severity: number;
  readonly resourceRole: ResourceRole;
  readonly resource: FindingResource;
  /** Identifies the affected resource for aggregation, e.g. `i-0abc…`, `eni-0abc…` or an access key id. */
  readonly resourceKey: string;
  /** Defaults to the engine's account when the log does not carry one. */
  readonly accountId?: string;
  readonly region?: string;
  readonly action: FindingAction;
  readonly title: string;
  readonly description: string;
  /** Event time (ms) of the first and last activity this observation covers. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Occurrences this observation adds to `service.count` (e.g. 1 per API call, or attempts in a window). */
  readonly count: number;
  readonly additionalInfo?: FindingAdditionalInfo;
  readonly evidence?: FindingEvidence;
  /**
   * The remote party's address. When it is on a trusted list the observation is dropped, except for DNS
   * findings, which GuardDuty's trusted lists do not cover.
   */
  readonly remoteIp?: string;
}

/** A key touched in this batch, handed back to `onState` with the merged totals. */
export interface StateUpdate<C> {
  /** The detector's own key (without the engine's detector prefix). */
  readonly key: string;
  /** Totals after merging this batch. */
  readonly total: StateValue;
  /** What this batch alone added. */
  readonly batch: StateValue;
  /** The context passed with the latest (by event time) delta of this batch for the key. */
  readonly latest: C;
  readonly latestTime: number;
}

export interface DetectorContext {
  readonly intel: IntelLookup;
  /** The interface inventory, when one is configured. */
  readonly interfaces?: InterfaceDirectory;
  /** Effective settings: the detector's `defaults` overridden by engine options. */
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  emit(observation: Observation): void;
  /**
   * Adds a delta to the detector's state key. `context` (e.g. the event) is kept for the latest `time`
   * per key and returned in `onState`, so the finding can show the latest occurrence.
   */
  accumulate(delta: StateDelta, time: number, context?: unknown): void;
}

export interface Detector<S extends LogSource = LogSource, C = unknown> {
  readonly meta: DetectorMeta;
  readonly source: S;
  onEvent(event: EventBySource[S], ctx: DetectorContext): void;
  onState?(update: StateUpdate<C>, ctx: DetectorContext): void;
  /** Positive cases, near misses and benign traffic, run by the registry test. */
  readonly cases?: readonly DetectorCase<S>[];
}

export type AnyDetector = Detector<'cloudtrail', any> | Detector<'vpcflow', any> | Detector<'dns', any>;

/** Typed helper for detector modules: `export default defineDetector({ … })`. */
export function defineDetector<S extends LogSource, C = unknown>(detector: Detector<S, C>): Detector<S, C> {
  return detector;
}

/** Reads a numeric setting, failing loudly on a wrong type (a configuration error, not bad input). */
export function numberSetting(ctx: DetectorContext, name: string): number {
  const v = ctx.settings[name];
  if (typeof v !== 'number') throw new TypeError(`setting ${name} must be a number, got ${JSON.stringify(v)}`);
  return v;
}
