/**
 * Findings and configurations for the response tests: GuardDuty-shaped findings of each action kind,
 * built with only what the response layer reads, plus overrides.
 */
import type { Finding } from '../../lambdas/engine/finding';
import { parseResponseConfig, type ResponseConfig } from '../../lambdas/response/config';
import type { BlockRecord } from '../../lambdas/response/block';

export const ATTACKER_V4 = '45.155.205.233';
export const ATTACKER_V6 = '2a03:b0c0:3:d0::1a2b:c001';
export const C2_SERVER = '185.220.101.45';
export const API_CALLER = '91.240.118.172';

export const REGIONAL_V4 = { scope: 'REGIONAL', name: 'vigil-blocked-v4', id: 'a1b2c3d4-0000-4000-8000-000000000004', version: 'IPV4' } as const;
export const REGIONAL_V6 = { scope: 'REGIONAL', name: 'vigil-blocked-v6', id: 'a1b2c3d4-0000-4000-8000-000000000006', version: 'IPV6' } as const;

let counter = 0;

function base(overrides: { id?: string; type: string; severity: number; role?: 'TARGET' | 'ACTOR'; action: Record<string, unknown>; subnetId?: string }): Finding {
  const id = overrides.id ?? `f${(++counter).toString(16).padStart(31, '0')}`;
  return {
    schemaVersion: '2.0',
    accountId: '111122223333',
    region: 'eu-west-1',
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/${id}`,
    type: overrides.type,
    severity: overrides.severity,
    title: overrides.type,
    description: overrides.type,
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:05:00.000Z',
    resource: {
      resourceType: 'Instance',
      instanceDetails: {
        instanceId: 'i-0abc1234def567890',
        networkInterfaces: [{ networkInterfaceId: 'eni-0aa', subnetId: overrides.subnetId ?? 'subnet-0a1', vpcId: 'vpc-0v1', privateIpAddress: '10.0.1.5', publicIp: '52.18.4.20' }],
      },
    },
    service: {
      serviceName: 'guardduty',
      detectorId: 'd',
      resourceRole: overrides.role ?? 'TARGET',
      archived: false,
      count: 1,
      eventFirstSeen: '2026-03-01T10:00:00.000Z',
      eventLastSeen: '2026-03-01T10:05:00.000Z',
      action: overrides.action as Finding['service']['action'],
    },
  } as Finding;
}

/** Inbound SSH brute force against an instance: the remote is the attacker. */
export function inboundBruteForce(remote = ATTACKER_V4, severity = 8, extra: { id?: string; subnetId?: string } = {}): Finding {
  const key = remote.includes(':') ? 'ipAddressV6' : 'ipAddressV4';
  return base({
    ...extra,
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity,
    action: {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: { connectionDirection: 'INBOUND', protocol: 'TCP', localPortDetails: { port: 22 }, localIpDetails: { ipAddressV4: '10.0.1.5' }, remoteIpDetails: { [key]: remote } },
    },
  });
}

/** The instance talking to a command-and-control server: the remote is the destination. */
export function outboundC2(remote = C2_SERVER, severity = 8, extra: { id?: string } = {}): Finding {
  return base({
    ...extra,
    type: 'Backdoor:EC2/C&CActivity.B',
    severity,
    role: 'ACTOR',
    action: {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: { connectionDirection: 'OUTBOUND', protocol: 'TCP', remotePortDetails: { port: 443 }, remoteIpDetails: { ipAddressV4: remote } },
    },
  });
}

export function portProbe(remotes: readonly string[], severity = 8): Finding {
  return base({
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity,
    action: {
      actionType: 'PORT_PROBE',
      portProbeAction: { portProbeDetails: remotes.map((ip) => ({ localPortDetails: { port: 9200 }, remoteIpDetails: { ipAddressV4: ip } })) },
    },
  });
}

export function apiCall(remote = API_CALLER, severity = 8): Finding {
  const f = base({
    type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    severity,
    action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'ListBuckets', serviceName: 's3.amazonaws.com', remoteIpDetails: { ipAddressV4: remote } } },
  });
  return { ...f, resource: { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: 'ASIAEXAMPLE', userName: 'app-role' } } } as Finding;
}

export function dnsFinding(severity = 8): Finding {
  return base({
    type: 'Backdoor:EC2/C&CActivity.B!DNS',
    severity,
    role: 'ACTOR',
    action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: 'guarddutyc2activityb.com', protocol: 'UDP' } },
  });
}

/** A configuration with both targets enforced, the regional IP sets and one configured NACL. */
export function enforcedConfig(overrides: Record<string, unknown> = {}): ResponseConfig {
  return parseResponseConfig({
    minSeverity: 'medium',
    waf: { mode: 'enforce', ipSets: [REGIONAL_V4, REGIONAL_V6] },
    nacl: { mode: 'enforce', naclIds: ['acl-0c0ffee'], findingSubnets: false, ruleRange: { first: 1, last: 99 } },
    ...overrides,
  });
}

/** A live WAF block record, for seeding registries. */
export function wafRecord(address: string, createdAt: number, expiresAt: number, extra: Partial<BlockRecord> = {}): BlockRecord {
  return {
    address,
    target: `waf:REGIONAL:${REGIONAL_V4.id}`,
    placement: { kind: 'waf', ipSet: REGIONAL_V4 },
    status: 'active',
    mode: 'enforce',
    findingId: 'seed',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 8,
    hits: 1,
    createdAt,
    updatedAt: createdAt,
    expiresAt,
    ...extra,
  };
}
