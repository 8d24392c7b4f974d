/**
 * The detection engine: events in, findings out, the same in Lambda and in the CLI.
 *
 * For each batch of events (one input unit, named by a token):
 * 1. skip the batch if the ledger says its token was already applied;
 * 2. hand every event to the detectors of its source (a throwing detector is isolated and counted);
 * 3. fold the batch's state deltas to one per key, merge them into the State port in one call, and let
 *    stateful detectors decide on the merged totals;
 * 4. drop observations whose remote address is trusted, fold the rest into findings (new or aggregated),
 *    archive those a suppression rule matches, and write them with the token.
 *
 * @example
 * const engine = new Engine({ detectors: DETECTORS, ...memoryStores(), scope: { accountId, region, partition: 'aws' } });
 * const result = await engine.processBatch(events, 'file:abc#0');
 * result.changes.filter((c) => c.publish) // findings to publish
 */
import type { AnyDetector, DetectorContext, Observation, StateUpdate } from './detector';
import type { LogSource, VigilEvent } from './events';
import type { Finding } from './finding';
import { addOccurrence, newFinding, observationFindingId, type FindingScope } from './aggregation';
import type { FindingRepository, InputLedger, InterfaceDirectory, StoredFinding } from './ports';
import { emptyStateValue, type StateDelta, type StatePort, type StateValue } from './state';
import { matchingRule, orderRules, type SuppressionRule } from './suppression';
import { enrichFinding, type FindingEnricher } from './enrichment';
import { NO_INTEL, type IntelLookup } from '../intel/types';

export type DetectorSettings = Readonly<Record<string, Readonly<Record<string, number | string | boolean>>>>;

export interface EngineOptions {
  readonly detectors: readonly AnyDetector[];
  readonly state: StatePort;
  readonly findings: FindingRepository;
  readonly ledger: InputLedger;
  /** Account, region and partition for findings whose logs do not name them. */
  readonly scope: FindingScope;
  readonly intel?: IntelLookup;
  readonly suppressionRules?: readonly SuppressionRule[];
  /** Per detector id, settings that override the detector's defaults. */
  readonly settings?: DetectorSettings;
  /** The interface inventory handed to detectors (see {@link InterfaceDirectory}). */
  readonly interfaces?: InterfaceDirectory;
  /** Run on every new or updated finding, before suppression rules (inventory, geolocation…). */
  readonly enrichers?: readonly FindingEnricher[];
  /**
   * How far behind the latest event time state may still be needed (ms). Entries that expired before
   * `latest event time − allowedLateness` are removed. @default 3_600_000 (1 hour)
   */
  readonly allowedLatenessMs?: number;
}

export type FindingChangeKind = 'created' | 'updated';

export interface FindingChange {
  readonly kind: FindingChangeKind;
  readonly finding: Finding;
  /** False for findings archived by a suppression rule: stored, never published. */
  readonly publish: boolean;
}

export interface DetectorError {
  readonly detectorId: string;
  readonly error: unknown;
  readonly origin?: VigilEvent['origin'];
}

export interface BatchResult {
  /** True when the ledger had already applied this token: nothing was changed. */
  readonly skipped: boolean;
  readonly events: number;
  readonly observations: number;
  readonly suppressedByTrustedList: number;
  readonly changes: readonly FindingChange[];
  readonly detectorErrors: readonly DetectorError[];
}

/** One detector's slot: its settings and the context it is handed (built once, reused for every event). */
interface Slot {
  readonly detector: AnyDetector;
  readonly ctx: DetectorContext;
}

/** A state key touched in the current batch, folded in memory until the batch ends. */
interface PendingKey {
  readonly slot: Slot;
  readonly key: string;
  expiresAt: number;
  counters: Record<string, number>;
  sets: Record<string, Set<string>>;
  min: Record<string, number>;
  max: Record<string, number>;
  latest: unknown;
  latestTime: number;
}

export class Engine {
  private readonly slotsBySource: Record<LogSource, Slot[]> = { cloudtrail: [], vpcflow: [], dns: [] };
  private readonly rules: readonly SuppressionRule[];
  private readonly intel: IntelLookup;
  private readonly lateness: number;
  private watermark = Number.NEGATIVE_INFINITY;

  // Per-batch scratch, reset by processBatch.
  private observations: { observation: Observation; source: LogSource }[] = [];
  private pending = new Map<string, PendingKey>();
  private errors: DetectorError[] = [];
  private currentSource: LogSource = 'cloudtrail';

  constructor(private readonly options: EngineOptions) {
    this.rules = orderRules(options.suppressionRules ?? []);
    this.intel = options.intel ?? NO_INTEL;
    this.lateness = options.allowedLatenessMs ?? 3_600_000;
    const seen = new Set<string>();
    for (const detector of options.detectors) {
      if (seen.has(detector.meta.id)) throw new Error(`two detectors share the id ${detector.meta.id}`);
      seen.add(detector.meta.id);
      this.slotsBySource[detector.source].push(this.slotFor(detector));
    }
  }

  /** Runs one batch; see the module comment for the steps. Never throws for a detector's fault. */
  async processBatch(events: readonly VigilEvent[], token: string): Promise<BatchResult> {
    const { ledger } = this.options;
    if (!(await ledger.begin(token))) {
      return { skipped: true, events: events.length, observations: 0, suppressedByTrustedList: 0, changes: [], detectorErrors: [] };
    }
    this.observations = [];
    this.pending = new Map();
    this.errors = [];
    try {
      let maxTime = Number.NEGATIVE_INFINITY;
      for (const event of events) {
        if (event.time > maxTime) maxTime = event.time;
        this.dispatch(event);
      }
      await this.settleState(token);
      const { changes, suppressed } = await this.applyObservations(token);
      if (maxTime - this.lateness > this.watermark) {
        this.watermark = maxTime - this.lateness;
        await this.options.state.expire(this.watermark);
      }
      await ledger.commit(token);
      return {
        skipped: false,
        events: events.length,
        observations: this.observations.length,
        suppressedByTrustedList: suppressed,
        changes,
        detectorErrors: this.errors,
      };
    } catch (error) {
      await ledger.abort(token);
      throw error;
    }
  }

  private dispatch(event: VigilEvent): void {
    const slots = this.slotsBySource[event.source];
    this.currentSource = event.source;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      try {
        (slot.detector.onEvent as (e: VigilEvent, c: DetectorContext) => void)(event, slot.ctx);
      } catch (error) {
        this.errors.push({ detectorId: slot.detector.meta.id, error, origin: event.origin });
      }
    }
  }

  private async settleState(token: string): Promise<void> {
    if (this.pending.size === 0) return;
    const deltas: StateDelta[] = [];
    for (const [fullKey, p] of this.pending) {
      deltas.push({ key: fullKey, expiresAt: p.expiresAt, counters: p.counters, sets: setsToArrays(p.sets), min: p.min, max: p.max });
    }
    const totals = await this.options.state.merge(deltas, token);
    for (const [fullKey, p] of this.pending) {
      const detector = p.slot.detector;
      if (!detector.onState) continue;
      const update: StateUpdate<unknown> = {
        key: p.key,
        total: totals.get(fullKey) ?? emptyStateValue(p.expiresAt),
        batch: { expiresAt: p.expiresAt, counters: p.counters, sets: setsToArrays(p.sets), min: p.min, max: p.max },
        latest: p.latest,
        latestTime: p.latestTime,
      };
      this.currentSource = detector.source;
      try {
        detector.onState(update, p.slot.ctx);
      } catch (error) {
        this.errors.push({ detectorId: detector.meta.id, error });
      }
    }
  }

  private async applyObservations(token: string): Promise<{ changes: FindingChange[]; suppressed: number }> {
    const { scope, findings } = this.options;
    let suppressed = 0;
    const accepted: Observation[] = [];
    for (const { observation, source } of this.observations) {
      // GuardDuty's trusted IP list silences flow and CloudTrail findings, not DNS findings.
      if (source !== 'dns' && observation.remoteIp !== undefined && this.intel.isTrustedIp(observation.remoteIp)) {
        suppressed++;
        continue;
      }
      accepted.push(observation);
    }
    if (accepted.length === 0) return { changes: [], suppressed };

    // Fold every occurrence of this batch, in event-time order, onto the stored finding (or a new one).
    accepted.sort((a, b) => a.lastSeen - b.lastSeen);
    const ids = accepted.map((observation) => observationFindingId(observation, scope));
    const existing = await findings.getMany([...new Set(ids)]);
    const byId = new Map<string, { stored: StoredFinding; before?: StoredFinding }>();
    accepted.forEach((observation, i) => {
      const id = ids[i]!;
      const slot = byId.get(id);
      if (slot) {
        slot.stored = addOccurrence(slot.stored, observation);
        return;
      }
      const before = existing.get(id);
      byId.set(id, before ? { stored: addOccurrence(before, observation), before } : { stored: newFinding(observation, scope) });
    });

    const changes: FindingChange[] = [];
    const writes: StoredFinding[] = [];
    const enrichers = this.options.enrichers ?? [];
    for (const { stored, before } of byId.values()) {
      const enriched = enrichers.length ? { ...stored, finding: await enrichFinding(stored.finding, enrichers) } : stored;
      const decided = this.decideArchive(enriched, before);
      writes.push(decided);
      changes.push({ kind: before ? 'updated' : 'created', finding: decided.finding, publish: !decided.finding.service.archived });
    }
    await findings.putMany(writes, token);
    return { changes, suppressed };
  }

  /**
   * Suppression rules archive a finding and keep it archived; an operator's archive is lifted by new
   * activity, as in GuardDuty.
   */
  private decideArchive(stored: StoredFinding, before: StoredFinding | undefined): StoredFinding {
    const rule = matchingRule(this.rules, stored.finding);
    if (rule) {
      return {
        ...stored,
        archiveReason: { by: 'suppression-rule', rule: rule.name },
        finding: { ...stored.finding, service: { ...stored.finding.service, archived: true } },
      };
    }
    if (before?.archiveReason || stored.finding.service.archived) {
      const { archiveReason: _dropped, ...rest } = stored;
      return { ...rest, finding: { ...stored.finding, service: { ...stored.finding.service, archived: false } } };
    }
    return stored;
  }

  /** Builds a detector's slot: its effective settings and the one context it is handed for every event. */
  private slotFor(detector: AnyDetector): Slot {
    const settings = { ...(detector.meta.defaults ?? {}), ...(this.options.settings?.[detector.meta.id] ?? {}) };
    const prefix = `${detector.meta.id}|`;
    const engine = this;
    const slot = { detector } as { detector: AnyDetector; ctx: DetectorContext };
    slot.ctx = {
      intel: this.intel,
      ...(this.options.interfaces ? { interfaces: this.options.interfaces } : {}),
      settings,
      emit(observation) {
        engine.observations.push({ observation, source: engine.currentSource });
      },
      accumulate(delta, time, context) {
        const fullKey = prefix + delta.key;
        let p = engine.pending.get(fullKey);
        if (!p) {
          p = { slot, key: delta.key, expiresAt: delta.expiresAt, counters: {}, sets: {}, min: {}, max: {}, latest: context, latestTime: time };
          engine.pending.set(fullKey, p);
        }
        foldInto(p, delta);
        if (time >= p.latestTime) {
          p.latestTime = time;
          p.latest = context;
        }
      },
    };
    return slot;
  }
}

function foldInto(p: PendingKey, delta: StateDelta): void {
  if (delta.expiresAt > p.expiresAt) p.expiresAt = delta.expiresAt;
  if (delta.counters) for (const k in delta.counters) p.counters[k] = (p.counters[k] ?? 0) + delta.counters[k]!;
  if (delta.sets) {
    for (const k in delta.sets) {
      const set = (p.sets[k] ??= new Set());
      for (const v of delta.sets[k]!) set.add(v);
    }
  }
  if (delta.min) for (const k in delta.min) if (p.min[k] === undefined || delta.min[k]! < p.min[k]!) p.min[k] = delta.min[k]!;
  if (delta.max) for (const k in delta.max) if (p.max[k] === undefined || delta.max[k]! > p.max[k]!) p.max[k] = delta.max[k]!;
}

function setsToArrays(sets: Record<string, Set<string>>): StateValue['sets'] {
  const out: Record<string, string[]> = {};
  for (const k in sets) out[k] = [...sets[k]!];
  return out;
}
