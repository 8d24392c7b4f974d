import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EventTooLargeError, PublishError } from '../../lambdas/adapters/errors';
import { entrySize, FindingEventPublisher, MAX_REQUEST_BYTES } from '../../lambdas/adapters/eventbridge-publisher';
import type { Finding } from '../../lambdas/engine/finding';
import { sshObservation, storedFinding } from '../support/findings';

const eventBridge = mockClient(EventBridgeClient);
const sleeps: number[] = [];
const backoff = { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 4, random: () => 0.5, sleep: async (ms: number) => void sleeps.push(ms) };

function findings(n: number, padding = 0): Finding[] {
  return Array.from({ length: n }, (_, i) => {
    const f = storedFinding(sshObservation({ instanceId: `i-${String(i).padStart(17, '0')}` })).finding;
    return padding ? { ...f, description: 'x'.repeat(padding) } : f;
  });
}

const accepted = (n: number) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `ev-${i}` })) });

beforeEach(() => {
  eventBridge.reset();
  sleeps.length = 0;
});

describe('FindingEventPublisher', () => {
  it('sends each finding as a vigil / Vigil Finding event with the finding as detail and its ARN as resource', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries.length));
    const [finding] = findings(1);
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'vigil-findings', backoff });
    expect(await publisher.publish([finding!])).toEqual({ published: 1, calls: 1, retriedEntries: 0 });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [{ EventBusName: 'vigil-findings', Source: 'vigil', DetailType: 'Vigil Finding', Detail: JSON.stringify(finding), Resources: [finding!.arn] }],
    });
    const detail = JSON.parse(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail).toMatchObject({ schemaVersion: '2.0', type: 'UnauthorizedAccess:EC2/SSHBruteForce', service: { serviceName: 'guardduty', count: 25 } });
  });

  it('puts at most 10 entries and 256 KB in one call', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries.length));
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'bus', backoff });
    await publisher.publish(findings(23));
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);

    eventBridge.resetHistory();
    await publisher.publish(findings(5, 100_000));
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of calls) expect(entries.reduce((sum, e) => sum + entrySize(e), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  it('sends refused entries again with jittered exponential backoff until EventBridge takes them', async () => {
    const all = findings(3);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }, { EventId: 'c' }] })
      .resolves(accepted(1));
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'bus', backoff });
    expect(await publisher.publish(all)).toEqual({ published: 3, calls: 3, retriedEntries: 2 });
    const sent = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).id));
    expect(sent).toEqual([[all[0]!.id, all[1]!.id, all[2]!.id], [all[1]!.id, all[2]!.id], [all[1]!.id]]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('throws PublishError naming the refused findings when the attempts run out', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'rate exceeded' }] });
    const [finding] = findings(1);
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'bus', backoff });
    const error = await publisher.publish([finding!]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failures).toEqual([{ findingId: finding!.id, errorCode: 'ThrottlingException', errorMessage: 'rate exceeded' }]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('retries a call that failed with a transient error but not one refused for good', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    eventBridge.on(PutEventsCommand).rejectsOnce(throttled).resolves(accepted(1));
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'bus', backoff });
    await expect(publisher.publish(findings(1))).resolves.toMatchObject({ published: 1, calls: 2 });

    eventBridge.reset();
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    eventBridge.on(PutEventsCommand).rejects(denied);
    const error = await publisher.publish(findings(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).cause).toBe(denied);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses a finding too large for one entry before sending anything', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries.length));
    const publisher = new FindingEventPublisher({ client: new EventBridgeClient({}), eventBusName: 'bus', backoff });
    await expect(publisher.publish([...findings(1), ...findings(1, MAX_REQUEST_BYTES)])).rejects.toBeInstanceOf(EventTooLargeError);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
