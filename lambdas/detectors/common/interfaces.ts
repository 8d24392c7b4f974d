/**
 * What detectors may know about the account's own network interfaces, beyond what a flow record says.
 *
 * A version 2 flow record names an interface and two addresses. Between a private and an internet address
 * the private one is the interface's, but between two private addresses (traffic inside a VPC) the record
 * alone does not say which side the interface is. An inventory does: it lists every interface with its
 * addresses and the instance it is attached to. With it, a record on the attacker's interface yields the
 * ACTOR view and the matching record on the victim's interface the TARGET view, and findings aggregate on
 * the instance id rather than the interface id.
 *
 * Detectors read the directory through {@link interfacesOf}. Until the engine passes it in the detector
 * context (see the proposal in docs/detectors.md), {@link withInterfaceDirectory} binds one to the flow
 * detectors of a registry.
 */
import type { AnyDetector, Detector, DetectorContext, StateUpdate } from '../../engine/detector';
import type { FlowEvent } from '../../engine/events';

/** One network interface of the account, as an inventory describes it. */
export interface InterfaceInfo {
  readonly interfaceId: string;
  /** The instance the interface is attached to; absent for service-managed interfaces (NAT gateway, ELB…). */
  readonly instanceId?: string;
  /** Every private and public IPv4 and IPv6 address assigned to the interface. */
  readonly addresses: ReadonlySet<string>;
  /** The EMR cluster (job flow) the instance belongs to, from its `aws:elasticmapreduce:job-flow-id` tag. */
  readonly emrClusterId?: string;
}

/** Looks up the account's interfaces. Answers synchronously: detectors ask for every record. */
export interface InterfaceDirectory {
  byInterface(interfaceId: string): InterfaceInfo | undefined;
  /**
   * The interface that holds an address, when exactly one known interface does (private ranges repeat
   * across VPCs; an ambiguous address answers `undefined`).
   */
  byAddress(address: string): InterfaceInfo | undefined;
}

/** A detector context that may carry an interface directory. */
export interface NetworkDetectorContext extends DetectorContext {
  readonly interfaces?: InterfaceDirectory;
}

/** The directory available to this detector context, if any. */
export function interfacesOf(ctx: DetectorContext): InterfaceDirectory | undefined {
  return (ctx as NetworkDetectorContext).interfaces;
}

/** The interface a flow record was captured on, when the directory knows it. */
export function interfaceOf(event: FlowEvent, directory: InterfaceDirectory | undefined): InterfaceInfo | undefined {
  return directory !== undefined && event.interfaceId !== undefined ? directory.byInterface(event.interfaceId) : undefined;
}

/**
 * Returns the registry with every flow-log detector bound to `directory`: each sees a context whose
 * `interfaces` member is the directory. Other detectors are returned unchanged.
 *
 * The bound context inherits from the engine's (prototype chain), so settings, intel, `emit` and
 * `accumulate` are the engine's own; it is made once per engine context and reused for every event.
 *
 * @example
 * const inventory = await InventoryFile.load('instances.json');
 * new Engine({ detectors: withInterfaceDirectory(DETECTORS, inventory), enrichers: [inventory], … });
 */
export function withInterfaceDirectory(detectors: readonly AnyDetector[], directory: InterfaceDirectory): AnyDetector[] {
  return detectors.map((detector) => (detector.source === 'vpcflow' ? bindDirectory(detector, directory) : detector));
}

function bindDirectory<C>(detector: Detector<'vpcflow', C>, directory: InterfaceDirectory): Detector<'vpcflow', C> {
  // One engine context per engine: a one-entry cache hits for every event after the first.
  let lastContext: DetectorContext | undefined;
  let lastBound: NetworkDetectorContext | undefined;
  const bound = (ctx: DetectorContext): NetworkDetectorContext => {
    if (ctx !== lastContext || lastBound === undefined) {
      lastContext = ctx;
      lastBound = Object.create(ctx, { interfaces: { value: directory, enumerable: true } }) as NetworkDetectorContext;
    }
    return lastBound;
  };
  const onState = detector.onState;
  return {
    ...detector,
    onEvent: (event, ctx) => detector.onEvent(event, bound(ctx)),
    ...(onState ? { onState: (update: StateUpdate<C>, ctx: DetectorContext) => onState.call(detector, update, bound(ctx)) } : {}),
  };
}
