import bruteForce from '../../lambdas/detectors/brute-force';
import { CASE_EPOCH, connectionAttempts, flow } from '../../lambdas/detectors/common/fixtures';
import { runBatches, runCase } from './harness';

const ATTACKER = '198.51.100.77';

describe('brute-force detector', () => {
  it('raises a Low TARGET finding with the attacker as remote address and port 22 as local port', async () => {
    const [finding, ...rest] = await runCase(bruteForce, { events: connectionAttempts(25, { srcAddr: ATTACKER, dstPort: 22, dstAddr: '10.0.1.15', interfaceId: 'eni-0abc' }) });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'eni-0abc', networkInterfaces: [{ networkInterfaceId: 'eni-0abc', privateIpAddress: '10.0.1.15' }] } },
      service: {
        resourceRole: 'TARGET',
        count: 25,
        eventFirstSeen: new Date(CASE_EPOCH).toISOString(),
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: 'INBOUND',
            protocol: 'TCP',
            blocked: false,
            localPortDetails: { port: 22, portName: 'SSH' },
            remoteIpDetails: { ipAddressV4: ATTACKER },
            localIpDetails: { ipAddressV4: '10.0.1.15' },
          },
        },
      },
    });
  });

  it('raises a High ACTOR finding when the instance attacks, naming the victim', async () => {
    const [finding] = await runCase(bruteForce, { events: connectionAttempts(30, { srcAddr: '10.0.1.15', dstAddr: '203.0.113.9', dstPort: 22, instanceId: 'i-0abc' }) });
    expect(finding).toMatchObject({
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 8,
      resource: { instanceDetails: { instanceId: 'i-0abc' } },
      service: { resourceRole: 'ACTOR', action: { networkConnectionAction: { connectionDirection: 'OUTBOUND', remotePortDetails: { port: 22 }, remoteIpDetails: { ipAddressV4: '203.0.113.9' } } } },
    });
  });

  it('counts the response records of a connection as the same attempt, not a new one', async () => {
    const requests = connectionAttempts(15, { srcAddr: ATTACKER, dstPort: 22 });
    const responses = requests.map((r) => flow({ ...r, srcAddr: r.dstAddr, dstAddr: r.srcAddr, srcPort: r.dstPort, dstPort: r.srcPort }));
    expect(await runCase(bruteForce, { events: [...requests, ...responses] })).toEqual([]);
  });

  it('gives the same count however the records are split into batches', async () => {
    const events = connectionAttempts(60, { srcAddr: ATTACKER, dstPort: 3389 });
    const [whole] = await runBatches(bruteForce, [events]);
    const [split] = await runBatches(bruteForce, [events.slice(0, 10), events.slice(10, 25), events.slice(25)]);
    expect(split!.service.count).toBe(whole!.service.count);
    expect(whole!.service.count).toBe(60);
    expect(split!.service.eventLastSeen).toBe(whole!.service.eventLastSeen);
  });

  it('aggregates several attackers against one instance into one finding showing the latest attacker', async () => {
    const first = connectionAttempts(20, { srcAddr: ATTACKER, dstPort: 22 });
    const second = connectionAttempts(20, { srcAddr: '203.0.113.40', dstPort: 22, time: CASE_EPOCH + 30 * 60_000 });
    const findings = await runBatches(bruteForce, [first, second]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.service.count).toBe(40);
    expect(findings[0]!.service.action.networkConnectionAction?.remoteIpDetails?.ipAddressV4).toBe('203.0.113.40');
  });

  it('follows its settings: a lower threshold fires on fewer attempts, countRejected counts blocked tries', async () => {
    expect(await runCase(bruteForce, { events: connectionAttempts(5, { srcAddr: ATTACKER, dstPort: 22 }), settings: { threshold: 5 } })).toHaveLength(1);
    const rejected = await runCase(bruteForce, { events: connectionAttempts(20, { srcAddr: ATTACKER, dstPort: 22, action: 'REJECT' }), settings: { countRejected: true } });
    expect(rejected[0]!.service.action.networkConnectionAction?.blocked).toBe(true);
  });

  it('handles IPv6 attackers when the log says which way the traffic went', async () => {
    const [finding] = await runCase(bruteForce, { events: connectionAttempts(20, { version: 5, flowDirection: 'ingress', srcAddr: '2001:db8::bad', dstAddr: '2600:1f18::15', dstPort: 22 }) });
    expect(finding!.service.action.networkConnectionAction?.remoteIpDetails).toEqual({ ipAddressV6: '2001:db8::bad' });
  });

  it.each([
    ['UnauthorizedAccess:EC2/RDPBruteForce', 3389, 'RDP'],
    ['Impact:EC2/WinRMBruteForce', 5985, 'WINRM'],
    ['Impact:EC2/WinRMBruteForce', 5986, 'WINRM'],
  ])('raises %s (port %i) as a Low TARGET finding with the service port and the attacker', async (type, port, portName) => {
    const [finding, ...rest] = await runCase(bruteForce, { events: connectionAttempts(22, { srcAddr: ATTACKER, dstPort: port }) });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      type,
      severity: 2,
      service: { resourceRole: 'TARGET', action: { networkConnectionAction: { connectionDirection: 'INBOUND', localPortDetails: { port, portName }, remoteIpDetails: { ipAddressV4: ATTACKER } } } },
    });
    expect(await runCase(bruteForce, { events: connectionAttempts(19, { srcAddr: ATTACKER, dstPort: port }) })).toEqual([]);
  });
});
