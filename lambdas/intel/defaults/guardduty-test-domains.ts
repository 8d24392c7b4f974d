/**
 * GuardDuty's own test indicators, loaded into every registry as a built-in feed.
 *
 * AWS documents `guarddutyc2activityb.com` as the domain to query when testing the
 * Backdoor:EC2/C&CActivity.B!DNS finding (GuardDuty finding types, "Backdoor finding types"), and GuardDuty
 * raises that finding for it with no list of yours loaded. Vigil does the same, so the tools and runbooks
 * people use to test GuardDuty work unchanged. Like the EICAR test file, the domain is harmless by design.
 */
import type { IntelRegistryBuilder } from '../registry';

/** The built-in feed's name, as `threatListName` shows it. */
export const GUARDDUTY_TEST_LIST_NAME = 'GuardDutyTestDomains';

export const GUARDDUTY_TEST_DOMAINS: readonly string[] = Object.freeze(['guarddutyc2activityb.com']);

/** Adds the built-in test-indicator feed to a registry being built. */
export function addBuiltinTestIndicators(builder: IntelRegistryBuilder): void {
  builder.add({ name: GUARDDUTY_TEST_LIST_NAME, category: 'c2', kind: 'threat', text: GUARDDUTY_TEST_DOMAINS.join('\n') });
}
