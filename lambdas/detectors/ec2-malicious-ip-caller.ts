/**
 * UnauthorizedAccess:EC2/MaliciousIPCaller.Custom: an instance exchanged traffic with an address on one of
 * your threat lists.
 *
 * Only accepted traffic counts: a rejected flow never reached the instance (inbound) or the remote
 * (outbound is rejected by our own security group or NACL). A connection the remote side opened makes the instance
 * the TARGET, one the instance opened the ACTOR (both records of a connection, request and response, agree). Occurrences aggregate per instance and direction; the action shows the latest flow.
 */
import { defineDetector, type DetectorCase } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import { CUSTOM_CATEGORY } from '../intel/types';
import { flow } from './common/fixtures';
import { flowView, onInstance, remoteMatches } from './common/network';
import { customThreatMatches, threatIntelligence } from './malicious-ip-caller';

const TYPE = 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom';
const LIST = [{ name: 'partner-feed', category: CUSTOM_CATEGORY, kind: 'threat' as const, entries: ['192.0.2.66', '2001:db8:66::/64'] }];

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'the instance downloads from a listed address',
    intel: LIST,
    events: [flow({ srcAddr: '10.0.1.15', srcPort: 44_000, dstAddr: '192.0.2.66', dstPort: 80 })],
    expect: [TYPE],
  },
  {
    name: 'a listed IPv6 address connects to the instance (v5 record with flow-direction)',
    intel: LIST,
    events: [flow({ version: 5, flowDirection: 'ingress', srcAddr: '2001:db8:66::9', dstAddr: '2600:1f18::15', dstPort: 443 })],
    expect: [TYPE],
  },
  {
    name: 'near miss: the listed address is rejected at the security group',
    intel: LIST,
    events: [flow({ srcAddr: '192.0.2.66', dstPort: 22, action: 'REJECT' })],
    expect: [],
  },
  {
    name: 'benign: ordinary HTTPS to unlisted addresses',
    intel: LIST,
    events: [flow({ srcAddr: '10.0.1.15', dstAddr: '192.0.2.67', dstPort: 443, srcPort: 40_001 }), flow({ srcAddr: '198.51.100.1', dstPort: 443 })],
    expect: [],
  },
];

export default defineDetector({
  source: 'vpcflow',
  meta: {
    id: 'ec2-malicious-ip-caller',
    title: 'Traffic with an address on a custom threat list',
    findingTypes: [
      { type: TYPE, severity: 'Medium', resourceType: 'Instance', description: 'The instance communicates with an IP address on a custom threat list.' },
    ],
    mitre: { tactic: 'Command and Control', technique: 'T1071 Application Layer Protocol' },
    runbook: 'Find the process talking to the address (VPC traffic mirroring, host logs); block the address if the traffic is not expected.',
    intelCategories: [CUSTOM_CATEGORY],
  },
  onEvent(event, ctx) {
    if (event.action !== 'ACCEPT') return;
    // The remote address's matches are looked up once per record and shared by the intel detectors.
    const view = flowView(event, ctx);
    const sides = view.connection;
    if (sides === undefined) return;
    const raw = remoteMatches(view, ctx.intel);
    if (raw.length === 0) return;
    const matches = customThreatMatches(raw);
    if (matches.length === 0) return;
    const instance = view.instance;
    ctx.emit({
      type: TYPE,
      severity: SEVERITY.Medium,
      resourceRole: sides.direction === 'INBOUND' ? 'TARGET' : 'ACTOR',
      ...onInstance(event, sides, instance),
      title: `${instance} is communicating with ${sides.remoteAddr}, an address on a custom threat list.`,
      description: `${instance} exchanged traffic with ${sides.remoteAddr} (port ${sides.remotePort}), which is on threat list ${matches[0]!.listName}.`,
      firstSeen: event.time,
      lastSeen: event.endTime,
      count: 1,
      ...threatIntelligence(matches),
      remoteIp: sides.remoteAddr,
    });
  },
  cases,
});
