/**
 * Enrichment: facts about a finding's resource and remote party that the logs do not carry.
 *
 * Flow logs name an interface, not an instance; an inventory (a file locally, a cached EC2 lookup in AWS)
 * fills `resource.instanceDetails`. Remote addresses get country, city and network owner from offline data.
 * The engine runs enrichers on every new or updated finding before suppression rules, so rules can match on
 * tags or countries.
 */
import type { Finding } from './finding';

export interface FindingEnricher {
  /** Returns the finding with more detail (or unchanged). Must not change `id`, `type` or counts. */
  enrich(finding: Finding): Finding | Promise<Finding>;
}

/** Applies enrichers in order. */
export async function enrichFinding(finding: Finding, enrichers: readonly FindingEnricher[]): Promise<Finding> {
  let current = finding;
  for (const enricher of enrichers) current = await enricher.enrich(current);
  return current;
}
