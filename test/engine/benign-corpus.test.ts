import { LocalStore } from '../../lambdas/adapters/local-store';
import { DETECTORS } from '../../lambdas/detectors';
import { Engine } from '../../lambdas/engine/engine';
import { LOG_SOURCES } from '../../lambdas/engine/events';
import { EventDeduplicator, runInput } from '../../lambdas/engine/pipeline';
import { IntelRegistryBuilder } from '../../lambdas/intel/registry';
import { parseLogBuffer } from '../../lambdas/parsers';
import { ATTACK, generateCorpus } from '../../scripts/corpus';

/**
 * A day and a half of a small account's ordinary activity, with the example threat lists loaded, must not
 * raise anything of Medium severity or above — and the same corpus with the attacks in it must.
 */
async function scanCorpus(attacks: boolean) {
  const intel = new IntelRegistryBuilder();
  intel.add({ name: 'threat-list', category: 'custom', kind: 'threat', text: [ATTACK.threatListedIp, '192.0.2.128/25', ATTACK.customListedDomain].join('\n') });
  intel.add({ name: 'c2-domains', category: 'c2', kind: 'threat', text: 'evil-c2.example' });
  const store = LocalStore.open(':memory:');
  const engine = new Engine({ detectors: DETECTORS, state: store, findings: store, ledger: store, intel: intel.build(), scope: { accountId: '111122223333', region: 'us-east-1', partition: 'aws' } });
  const dedupe = new EventDeduplicator();
  const events = Object.fromEntries(LOG_SOURCES.map((s) => [s, 0]));
  let issues = 0;
  for (const file of generateCorpus({ hours: 36, scale: 1, attacks, seed: 7 })) {
    const result = await runInput(engine, parseLogBuffer(file.content, { input: file.path }), { token: `corpus:${file.path}`, dedupe });
    for (const s of LOG_SOURCES) events[s]! += result.eventsBySource[s];
    issues += result.issues.total;
    expect(result.detectorErrors).toEqual([]);
  }
  const findings = store.listFindings({ includeArchived: true });
  store.close();
  return { events, issues, findings };
}

describe('benign background', () => {
  it('produces no finding of Medium severity or above over more than 100,000 events from all three sources', async () => {
    const { events, issues, findings } = await scanCorpus(false);
    const total = events.cloudtrail! + events.vpcflow! + events.dns!;
    expect(total).toBeGreaterThanOrEqual(100_000);
    for (const s of LOG_SOURCES) expect(events[s]).toBeGreaterThan(1_000);
    expect(issues).toBe(0);
    expect(findings.filter((f) => f.severity >= 4).map((f) => `${f.type} ${f.title}`)).toEqual([]);
  });

  it('raises the attacks mixed into the same background', async () => {
    const { findings } = await scanCorpus(true);
    expect([...new Set(findings.map((f) => f.type))]).toEqual(
      expect.arrayContaining([
        'Policy:IAMUser/RootCredentialUsage',
        'Stealth:IAMUser/CloudTrailLoggingDisabled',
        'Recon:IAMUser/MaliciousIPCaller.Custom',
        'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
        'UnauthorizedAccess:EC2/SSHBruteForce',
        'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        'Backdoor:EC2/C&CActivity.B!DNS',
        'Impact:EC2/MaliciousDomainRequest.Custom',
      ]),
    );
  });
});
