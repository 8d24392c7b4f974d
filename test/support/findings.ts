/**
 * Findings for adapter tests, built through the engine's own aggregation so they have the real shape.
 */
import type { Observation } from '../../lambdas/engine/detector';
import { addOccurrence, newFinding, type FindingScope } from '../../lambdas/engine/aggregation';
import type { StoredFinding } from '../../lambdas/engine/ports';

export const SCOPE: FindingScope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws' };
export const FINDING_T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** An inbound SSH brute-force observation against `instanceId` from `attacker`. */
export function sshObservation(options: { instanceId?: string; eni?: string; attacker?: string; at?: number; count?: number } = {}): Observation {
  const instanceId = options.instanceId ?? 'i-0abc1234def567890';
  const attacker = options.attacker ?? '198.51.100.7';
  const at = options.at ?? FINDING_T0;
  return {
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    resourceRole: 'TARGET',
    resourceKey: instanceId,
    resource: {
      resourceType: 'Instance',
      instanceDetails: { instanceId, networkInterfaces: [{ networkInterfaceId: options.eni ?? 'eni-0a1b2c3d4e5f60718', privateIpAddress: '10.0.1.15' }] },
    },
    action: {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: {
        connectionDirection: 'INBOUND',
        protocol: 'TCP',
        blocked: false,
        localPortDetails: { port: 22, portName: 'SSH' },
        remoteIpDetails: { ipAddressV4: attacker },
      },
    },
    title: `${attacker} is performing SSH brute force attacks against ${instanceId}.`,
    description: `${attacker} is performing SSH brute force attacks against ${instanceId}.`,
    firstSeen: at - 60_000,
    lastSeen: at,
    count: options.count ?? 25,
    remoteIp: attacker,
  };
}

export function storedFinding(observation: Observation = sshObservation()): StoredFinding {
  return newFinding(observation, SCOPE);
}

/** The same finding after another occurrence. */
export function updatedFinding(stored: StoredFinding, observation: Observation = sshObservation({ at: FINDING_T0 + 600_000 })): StoredFinding {
  return addOccurrence(stored, observation);
}
