import { GetIPSetCommand, UpdateIPSetCommand, WAFNonexistentItemException, WAFOptimisticLockException, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { WafIpSetGateway } from '../../lambdas/adapters/wafv2-ip-sets';
import type { IpSetRef } from '../../lambdas/response/block';
import { BlockTargetError } from '../../lambdas/response/errors';

const waf = mockClient(WAFV2Client);
const sleeps: number[] = [];
const backoff = { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 4, random: () => 0.5, sleep: async (ms: number) => void sleeps.push(ms) };
const ref: IpSetRef = { scope: 'REGIONAL', name: 'vigil-blocked-v4', id: 'set-1', version: 'IPV4' };
const lockConflict = () => new WAFOptimisticLockException({ message: 'AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it.', $metadata: {} });

function ipSet(addresses: string[], token = 'token-1') {
  return { LockToken: token, IPSet: { Name: ref.name, Id: ref.id, ARN: 'arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/vigil-blocked-v4/set-1', IPAddressVersion: 'IPV4' as const, Addresses: addresses } };
}

function gateway(): WafIpSetGateway {
  return new WafIpSetGateway({ regional: new WAFV2Client({ region: 'eu-west-1' }), backoff });
}

beforeEach(() => {
  waf.reset();
  sleeps.length = 0;
});

describe('WafIpSetGateway', () => {
  it('writes the whole list back with the lock token it read', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['45.1.1.1/32'], 'token-7'));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'token-8' });
    const outcome = await gateway().apply(ref, { add: ['45.1.1.2/32'], remove: [], capacity: 10_000 });
    expect(waf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Scope: 'REGIONAL', Name: ref.name, Id: ref.id, LockToken: 'token-7', Addresses: ['45.1.1.1/32', '45.1.1.2/32'] });
    expect(outcome).toEqual({ present: ['45.1.1.2/32'], absent: [], evicted: [], rejected: [], updated: true });
  });

  it('retries a lock conflict with backoff, re-reading the set, until it succeeds', async () => {
    waf
      .on(GetIPSetCommand)
      .resolvesOnce(ipSet(['45.1.1.1/32'], 'token-1'))
      .resolvesOnce(ipSet(['45.1.1.1/32', '45.7.7.7/32'], 'token-2'));
    waf.on(UpdateIPSetCommand).rejectsOnce(lockConflict()).resolves({ NextLockToken: 'token-3' });
    await gateway().apply(ref, { add: ['45.1.1.2/32'], remove: [], capacity: 10_000 });
    expect(waf).toHaveReceivedCommandTimes(GetIPSetCommand, 2);
    expect(waf).toHaveReceivedCommandTimes(UpdateIPSetCommand, 2);
    // The second write is planned from the second read: the concurrent writer's address survives.
    expect(waf.commandCalls(UpdateIPSetCommand)[1]!.args[0].input).toMatchObject({ LockToken: 'token-2', Addresses: ['45.1.1.1/32', '45.7.7.7/32', '45.1.1.2/32'] });
    expect(sleeps).toEqual([50]);
  });

  it('gives up after its attempts with a typed error that keeps the cause', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet([]));
    waf.on(UpdateIPSetCommand).rejects(lockConflict());
    const error = await gateway()
      .apply(ref, { add: ['45.1.1.2/32'], remove: [], capacity: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockTargetError);
    expect((error as BlockTargetError).attempts).toBe(4);
    expect((error as BlockTargetError).cause).toBeInstanceOf(WAFOptimisticLockException);
  });

  it('does not retry an IP set that does not exist', async () => {
    waf.on(GetIPSetCommand).rejects(new WAFNonexistentItemException({ message: 'no such set', $metadata: {} }));
    await expect(gateway().apply(ref, { add: ['45.1.1.2/32'], remove: [], capacity: 10_000 })).rejects.toBeInstanceOf(BlockTargetError);
    expect(waf).toHaveReceivedCommandTimes(GetIPSetCommand, 1);
  });

  it('merges two concurrent changes into one IP set update', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['45.1.1.1/32']));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'next' });
    const g = gateway();
    const [a, b] = await Promise.all([
      g.apply(ref, { add: ['45.1.1.2/32'], remove: [], capacity: 10_000 }),
      g.apply(ref, { add: ['45.1.1.3/32'], remove: ['45.1.1.1/32'], capacity: 10_000 }),
    ]);
    expect(waf).toHaveReceivedCommandTimes(GetIPSetCommand, 1);
    expect(waf).toHaveReceivedCommandTimes(UpdateIPSetCommand, 1);
    expect(waf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Addresses: ['45.1.1.2/32', '45.1.1.3/32'] });
    expect(a.present).toEqual(['45.1.1.2/32']);
    expect(b).toMatchObject({ present: ['45.1.1.3/32'], absent: ['45.1.1.1/32'] });
  });

  it('removes the last address, leaving the IP set empty', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['45.1.1.1/32']));
    waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'next' });
    const outcome = await gateway().apply(ref, { add: [], remove: ['45.1.1.1/32'], capacity: 10_000 });
    expect(waf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Addresses: [] });
    expect(outcome.absent).toEqual(['45.1.1.1/32']);
  });

  it('makes no update when the set already holds what is asked', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['45.1.1.1/32']));
    const outcome = await gateway().apply(ref, { add: ['45.1.1.1/32'], remove: ['45.2.2.2/32'], capacity: 10_000 });
    expect(waf).not.toHaveReceivedCommand(UpdateIPSetCommand);
    expect(outcome.updated).toBe(false);
  });

  it('evicts the oldest blocks at capacity, reading the eviction order only when it overflows', async () => {
    waf.on(GetIPSetCommand).resolves(ipSet(['45.1.1.1/32', '45.1.1.2/32']));
    waf.on(UpdateIPSetCommand).resolves({});
    const evictionOrder = jest.fn(async () => ['45.1.1.2/32', '45.1.1.1/32']);
    const g = gateway();
    await g.apply(ref, { add: ['45.1.1.1/32'], remove: [], capacity: 2, evictionOrder });
    expect(evictionOrder).not.toHaveBeenCalled();
    const outcome = await g.apply(ref, { add: ['45.1.1.3/32'], remove: [], capacity: 2, evictionOrder });
    expect(outcome.evicted).toEqual(['45.1.1.2/32']);
    expect(waf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Addresses: ['45.1.1.1/32', '45.1.1.3/32'] });
  });

  it('sends CLOUDFRONT-scoped sets through the us-east-1 client', async () => {
    const cloudfront = new WAFV2Client({ region: 'us-east-1' });
    const cf = mockClient(cloudfront);
    cf.on(GetIPSetCommand).resolves(ipSet([]));
    cf.on(UpdateIPSetCommand).resolves({});
    const g = new WafIpSetGateway({ regional: new WAFV2Client({ region: 'eu-west-1' }), cloudfront, backoff });
    await g.apply({ ...ref, scope: 'CLOUDFRONT' }, { add: ['45.1.1.1/32'], remove: [], capacity: 10_000 });
    expect(cf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Scope: 'CLOUDFRONT', Addresses: ['45.1.1.1/32'] });
    cf.restore();
  });
});
