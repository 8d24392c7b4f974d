/**
 * Fills `resource.instanceDetails` of instance findings from EC2, through the engine's enrichment port.
 *
 * Flow logs name a network interface and at best an instance id; the responder and the reader of a finding
 * want the instance type, image, tags, security groups and public address too, as GuardDuty shows them.
 * The engine calls {@link Ec2InstanceEnricher.enrich} on every new or updated finding before suppression
 * rules, so a rule can match on `resource.instanceDetails.tags.value`.
 *
 * Enrichment never stops detection: when EC2 cannot be asked (permissions, throttling) the finding is kept
 * as the detector built it and the failure is reported through `onError`.
 *
 * @example
 * const enricher = new Ec2InstanceEnricher({ directory: new Ec2InstanceDirectory({ client: new EC2Client({}) }), accountId: '111122223333' });
 * new Engine({ …, enrichers: [enricher] });
 */
import type { FindingEnricher } from '../engine/enrichment';
import type { Finding } from '../engine/finding';
import type { Ec2InstanceDirectory, InstanceDetails } from './ec2-instances';
import { InstanceLookupError } from './errors';

export interface Ec2InstanceEnricherOptions {
  readonly directory: Pick<Ec2InstanceDirectory, 'byInstance' | 'byNetworkInterface'>;
  /**
   * The account whose EC2 API the directory reaches. Findings about other accounts' instances (an
   * organization trail, a shared flow-log bucket) are left as they are. Absent: every finding is tried.
   */
  readonly accountId?: string;
  readonly onError?: (error: unknown, finding: Finding) => void;
  /**
   * After a failed lookup, findings go unenriched for this long instead of each paying for a call that
   * will fail the same way (a missing permission would otherwise cost one refused call per finding).
   * @default 60_000
   */
  readonly pauseAfterErrorMs?: number;
  /** Wall clock (ms). @default Date.now */
  readonly clock?: () => number;
}

export class Ec2InstanceEnricher implements FindingEnricher {
  private pausedUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: Ec2InstanceEnricherOptions) {}

  async enrich(finding: Finding): Promise<Finding> {
    if (finding.resource.resourceType !== 'Instance') return finding;
    const now = (this.options.clock ?? Date.now)();
    if (now < this.pausedUntil) return finding;
    if (this.options.accountId !== undefined && finding.accountId !== this.options.accountId) return finding;
    const current = finding.resource.instanceDetails ?? {};
    const instanceId = current.instanceId?.startsWith('i-') ? current.instanceId : undefined;
    const eni = current.networkInterfaces?.find((n) => n.networkInterfaceId?.startsWith('eni-'))?.networkInterfaceId;
    let found: InstanceDetails | null | undefined;
    try {
      if (instanceId) found = (await this.options.directory.byInstance([instanceId])).get(instanceId);
      else if (eni) found = (await this.options.directory.byNetworkInterface([eni])).get(eni);
    } catch (error) {
      this.pausedUntil = now + (this.options.pauseAfterErrorMs ?? 60_000);
      this.options.onError?.(error instanceof InstanceLookupError ? error : new InstanceLookupError('instance lookup failed', { cause: error }), finding);
      return finding;
    }
    if (!found) return finding;
    // EC2's view wins where both know a field: it is the inventory, the detector only saw one flow.
    return { ...finding, resource: { ...finding.resource, instanceDetails: { ...current, ...found } } };
  }
}
