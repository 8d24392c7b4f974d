/**
 * Brute force against remote-login services, in both roles (GuardDuty's EC2 brute-force family):
 * `UnauthorizedAccess:EC2/SSHBruteForce` (TCP 22), `UnauthorizedAccess:EC2/RDPBruteForce` (TCP 3389) and
 * `Impact:EC2/WinRMBruteForce` (TCP 5985/5986).
 *
 * - TARGET (Low): an internet address opens many connections to the service on the instance.
 * - ACTOR (High): the instance opens many connections to the service on an internet address.
 *
 * Inside a VPC, with an inventory (see common/interfaces.ts), an instance brute-forcing another known
 * instance yields both findings: ACTOR from the records on the attacker's interface, TARGET from those on
 * the victim's (`internal` = true). Without an inventory a private peer could be a load balancer or a NAT
 * gateway rather than an instance, so traffic between private addresses is left alone.
 *
 * An *attempt* is a new TCP connection, i.e. a new client port: a login try opens one, while an admin's
 * long session keeps its port for its whole life, however many flow records it produces. The detector counts
 * distinct client ports per (instance, remote address, service) in fixed windows of event time.
 *
 * Thresholds (GuardDuty publishes none): `threshold` = 20 distinct connections in a `windowMinutes` = 10
 * window. Twenty logins in ten minutes from one address is well above what a person or a deploy tool does
 * to one host and well below what password-guessing tools do (hundreds per minute). Inbound attempts that
 * the security group or NACL rejected are not counted (`countRejected` = false): the service was never
 * reachable, and internet background noise would otherwise raise findings on every instance.
 *
 * `service.count` is the number of flow records of the windows that crossed the threshold.
 */
import { defineDetector, numberSetting, type DetectorCase } from '../engine/detector';
import type { FlowEvent } from '../engine/events';
import { SEVERITY } from '../engine/finding';
import { windowStart } from '../engine/state';
import { CASE_EPOCH, connectionAttempts, flow } from './common/fixtures';
import { interfacesOf } from './common/interfaces';
import { type Connection, flowView, onInstance } from './common/network';
import { booleanSetting } from './common/settings';

interface LoginService {
  readonly type: string;
  readonly name: string;
}

const SSH: LoginService = { type: 'UnauthorizedAccess:EC2/SSHBruteForce', name: 'SSH' };
const RDP: LoginService = { type: 'UnauthorizedAccess:EC2/RDPBruteForce', name: 'RDP' };
const WINRM: LoginService = { type: 'Impact:EC2/WinRMBruteForce', name: 'WinRM' };

const SERVICES_BY_PORT = new Map<number, LoginService>([
  [22, SSH],
  [3389, RDP],
  [5985, WINRM],
  [5986, WINRM],
]);

const TCP = 6;

interface Attempt {
  readonly event: FlowEvent;
  readonly connection: Connection;
  readonly service: LoginService;
  readonly instance: string;
}

const ATTACKER = '198.51.100.77';
const later = (minutes: number) => CASE_EPOCH + minutes * 60_000;

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'an internet address tries 40 SSH logins in 4 minutes',
    events: connectionAttempts(40, { srcAddr: ATTACKER, dstPort: 22 }),
    expect: [SSH.type],
  },
  {
    name: 'the instance tries 30 RDP logins against an internet host (actor)',
    events: connectionAttempts(30, { srcAddr: '10.0.1.15', dstAddr: '203.0.113.9', dstPort: 3389 }),
    expect: [RDP.type],
  },
  {
    name: 'an internet address hammers WinRM over HTTPS',
    events: connectionAttempts(25, { srcAddr: ATTACKER, dstPort: 5986 }),
    expect: [WINRM.type],
  },
  {
    name: 'near miss: 19 SSH connections in the window',
    events: connectionAttempts(19, { srcAddr: ATTACKER, dstPort: 22 }),
    expect: [],
  },
  {
    name: 'near miss: the same 40 tries, all rejected by the security group',
    events: connectionAttempts(40, { srcAddr: ATTACKER, dstPort: 22, action: 'REJECT' }),
    expect: [],
  },
  {
    name: 'near miss: one try a minute for an hour stays under the threshold of every window',
    events: connectionAttempts(60, { srcAddr: ATTACKER, dstPort: 22, everyMs: 60_000 }),
    expect: [],
  },
  {
    name: 'benign: an admin session produces a record a minute for two hours on one client port',
    events: Array.from({ length: 120 }, (_, i) => flow({ srcAddr: '198.51.100.5', srcPort: 50_000, dstPort: 22, time: later(i) })),
    expect: [],
  },
  {
    name: 'benign: a bastion in the VPC opens one SSH session to each of 50 instances (config management)',
    events: Array.from({ length: 50 }, (_, i) =>
      flow({ version: 5, flowDirection: 'egress', srcAddr: '10.0.0.5', srcPort: 41_000 + i, dstAddr: `10.0.1.${i + 10}`, dstPort: 22, time: later(i / 10) }),
    ),
    expect: [],
  },
];

export default defineDetector<'vpcflow', Attempt>({
  source: 'vpcflow',
  meta: {
    id: 'brute-force',
    title: 'Remote-login brute force (SSH, RDP, WinRM)',
    findingTypes: [
      { type: SSH.type, severity: 'Low', resourceType: 'Instance', description: 'SSH brute force involving the instance: Low as the target, High as the actor.' },
      { type: RDP.type, severity: 'Low', resourceType: 'Instance', description: 'RDP brute force involving the instance: Low as the target, High as the actor.' },
      { type: WINRM.type, severity: 'Low', resourceType: 'Instance', description: 'WinRM brute force involving the instance: Low as the target, High as the actor.' },
    ],
    mitre: { tactic: 'Credential Access', technique: 'T1110 Brute Force' },
    runbook: 'Target: close the port to the internet (security group) or put it behind a bastion/SSM. Actor: isolate the instance; it is likely compromised.',
    defaults: { threshold: 20, windowMinutes: 10, countRejected: false, internal: true },
  },
  onEvent(event, ctx) {
    if (event.protocol !== TCP) return;
    // Cheap port test first: almost every flow is neither to nor from a login port.
    if (!SERVICES_BY_PORT.has(event.dstPort) && !SERVICES_BY_PORT.has(event.srcPort)) return;
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined) return;
    if (!view.remoteIsInternet && !(booleanSetting(ctx, 'internal') && interfacesOf(ctx)?.byAddress(connection.remoteAddr)?.instanceId !== undefined)) return;
    const inbound = connection.direction === 'INBOUND';
    const service = SERVICES_BY_PORT.get(inbound ? connection.localPort : connection.remotePort);
    if (service === undefined) return;
    if (inbound && event.action === 'REJECT' && ctx.settings.countRejected !== true) return;
    const windowMs = numberSetting(ctx, 'windowMinutes') * 60_000;
    const start = windowStart(event.time, windowMs);
    const servicePort = inbound ? connection.localPort : connection.remotePort;
    const clientPort = inbound ? connection.remotePort : connection.localPort;
    ctx.accumulate(
      {
        key: `${connection.direction}|${view.instance}|${connection.remoteAddr}|${servicePort}|${start}`,
        expiresAt: start + 2 * windowMs,
        counters: { records: 1 },
        sets: { clientPorts: [String(clientPort)] },
        min: { first: event.time },
        max: { last: event.endTime },
      },
      event.time,
      { event, connection, service, instance: view.instance },
    );
  },
  onState({ total, batch, latest }, ctx) {
    const threshold = numberSetting(ctx, 'threshold');
    const attempts = total.sets.clientPorts?.length ?? 0;
    if (attempts < threshold) return;
    const attemptsBefore = attempts - (batch.sets.clientPorts?.length ?? 0);
    const count = attemptsBefore >= threshold ? (batch.counters.records ?? 0) : (total.counters.records ?? attempts);
    const { event, connection: sides, service, instance } = latest;
    const role = sides.direction === 'INBOUND' ? 'TARGET' : 'ACTOR';
    ctx.emit({
      type: service.type,
      severity: role === 'TARGET' ? SEVERITY.Low : SEVERITY.High,
      resourceRole: role,
      ...onInstance(event, sides, instance),
      title:
        role === 'TARGET'
          ? `${sides.remoteAddr} is performing ${service.name} brute force attacks against ${instance}.`
          : `${instance} is performing ${service.name} brute force attacks against ${sides.remoteAddr}.`,
      description:
        role === 'TARGET'
          ? `${sides.remoteAddr} opened ${attempts} ${service.name} connections to ${instance} on port ${sides.localPort} within ${numberSetting(ctx, 'windowMinutes')} minutes. Brute force attacks are used to gain unauthorized access by guessing passwords.`
          : `${instance} opened ${attempts} ${service.name} connections to ${sides.remoteAddr} on port ${sides.remotePort} within ${numberSetting(ctx, 'windowMinutes')} minutes. The instance may be compromised and used to brute force other hosts.`,
      firstSeen: total.min.first ?? event.time,
      lastSeen: total.max.last ?? event.endTime,
      count,
      additionalInfo: { connectionAttempts: attempts },
      remoteIp: sides.remoteAddr,
    });
  },
  cases,
});
