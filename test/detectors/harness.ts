/** Runs detector cases through the real engine with an in-memory store. */
import { MemoryStore } from '../../lambdas/adapters/memory';
import type { AnyDetector, CaseList, DetectorCase } from '../../lambdas/engine/detector';
import type { InterfaceDirectory } from '../../lambdas/engine/ports';
import type { FindingEnricher } from '../../lambdas/engine/enrichment';
import { Engine, type DetectorSettings } from '../../lambdas/engine/engine';
import type { VigilEvent } from '../../lambdas/engine/events';
import type { Finding } from '../../lambdas/engine/finding';
import { IntelRegistryBuilder } from '../../lambdas/intel/registry';
import { NO_INTEL, type IntelLookup } from '../../lambdas/intel/types';

export const scope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws' };

export function intelOf(lists: readonly CaseList[] | undefined): IntelLookup {
  if (!lists?.length) return NO_INTEL;
  const builder = new IntelRegistryBuilder();
  for (const list of lists) builder.add({ name: list.name, category: list.category, kind: list.kind, text: list.entries.join('\n') });
  return builder.build();
}

/** Runs one case through a fresh engine that holds only this detector, in one batch. */
export async function runCase(detector: AnyDetector, c: Pick<DetectorCase, 'events' | 'intel' | 'settings'>): Promise<Finding[]> {
  return runBatches(detector, [c.events as readonly VigilEvent[]], c);
}

/** Runs several batches (one engine, one store) and returns the findings at the end. */
export async function runBatches(detector: AnyDetector, batches: readonly (readonly VigilEvent[])[], c: Pick<DetectorCase, 'intel' | 'settings'> = {}): Promise<Finding[]> {
  const store = new MemoryStore();
  const engine = new Engine({
    detectors: [detector],
    state: store,
    findings: store,
    ledger: store,
    scope,
    intel: intelOf(c.intel),
    ...(c.settings ? { settings: { [detector.meta.id]: c.settings } } : {}),
  });
  for (const [i, events] of batches.entries()) {
    const result = await engine.processBatch(events, `case#${i}`);
    if (result.detectorErrors.length) throw new Error(`detector failed: ${String(result.detectorErrors[0]!.error)}`);
  }
  return [...store.findings.values()].map((s) => s.finding);
}

export interface RunOptions {
  readonly intel?: readonly CaseList[];
  /** Settings by detector id. */
  readonly settings?: DetectorSettings;
  /** Binds an interface directory (inventory) to the flow detectors. */
  readonly interfaces?: InterfaceDirectory;
  /** Reuse a store (e.g. to show that state survives from one engine to the next). */
  readonly store?: MemoryStore;
  readonly enrichers?: readonly FindingEnricher[];
}

/** Runs batches through one engine holding `detectors`; returns the store's findings at the end. */
export async function runDetectors(detectors: readonly AnyDetector[], batches: readonly (readonly VigilEvent[])[], options: RunOptions = {}): Promise<Finding[]> {
  const store = options.store ?? new MemoryStore();
  const engine = new Engine({
    detectors,
    ...(options.interfaces ? { interfaces: options.interfaces } : {}),
    state: store,
    findings: store,
    ledger: store,
    scope,
    intel: intelOf(options.intel),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.enrichers ? { enrichers: options.enrichers } : {}),
  });
  for (const [i, events] of batches.entries()) {
    const result = await engine.processBatch(events, `run#${store.appliedTokens.size}#${i}`);
    if (result.detectorErrors.length) throw new Error(`detector ${result.detectorErrors[0]!.detectorId} failed: ${String(result.detectorErrors[0]!.error)}`);
  }
  return [...store.findings.values()].map((s) => s.finding);
}

/** A finding of the given type (and role), failing the test when there is not exactly one. */
export function only(findings: readonly Finding[], type: string, role?: 'ACTOR' | 'TARGET'): Finding {
  const matching = findings.filter((f) => f.type === type && (role === undefined || f.service.resourceRole === role));
  if (matching.length !== 1) throw new Error(`expected one ${type}${role ? ` (${role})` : ''}, got ${matching.length}: ${findings.map((f) => `${f.type}/${f.service.resourceRole}`).join(', ')}`);
  return matching[0]!;
}
