/**
 * The detector registry: every detector Vigil runs, listed explicitly.
 *
 * To add a detector, write `lambdas/detectors/<family>.ts` (metadata, logic and cases together, see
 * brute-force.ts), then add it below. The registry test runs every detector's cases and checks its metadata.
 */
import type { AnyDetector } from '../engine/detector';
import bruteForce from './brute-force';
import cloudTrailLoggingDisabled from './cloudtrail-logging-disabled';
import denialOfService from './denial-of-service';
import dnsThreatIntel from './dns-threat-intel';
import ec2MaliciousIpCaller from './ec2-malicious-ip-caller';
import ec2ThreatIntel from './ec2-threat-intel';
import iamMaliciousIpCaller from './malicious-ip-caller';
import networkBaselines from './network-baselines';
import portProbe from './port-probe';
import portScanning from './port-scanning';
import rootCredentialUsage from './root-credential-usage';
import tor from './tor';

export const DETECTORS: readonly AnyDetector[] = [
  // CloudTrail
  rootCredentialUsage,
  cloudTrailLoggingDisabled,
  iamMaliciousIpCaller,
  // VPC Flow Logs
  bruteForce,
  portScanning,
  portProbe,
  denialOfService,
  ec2MaliciousIpCaller,
  ec2ThreatIntel,
  tor,
  networkBaselines,
  // Route 53 Resolver query logs
  dnsThreatIntel,
];

/**
 * The feed categories that `--intel CATEGORY=FILE` accepts: those some detector reads. `custom` is not one of
 * them — custom lists come in through `--threat-list`.
 */
export function intelCategories(detectors: readonly AnyDetector[] = DETECTORS): string[] {
  const categories = new Set<string>();
  for (const d of detectors) for (const c of d.meta.intelCategories ?? []) if (c !== 'custom') categories.add(c);
  return [...categories].sort();
}

/** Every finding type some detector can raise. */
export function findingTypes(detectors: readonly AnyDetector[] = DETECTORS): string[] {
  return detectors.flatMap((d) => d.meta.findingTypes.map((t) => t.type));
}
