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
 * The engine hands the directory to detectors in their context (`EngineOptions.interfaces`); detectors read
 * it through {@link interfacesOf}.
 */
import type { DetectorContext } from '../../engine/detector';
import type { InterfaceDirectory, InterfaceInfo } from '../../engine/ports';
import type { FlowEvent } from '../../engine/events';

export type { InterfaceDirectory, InterfaceInfo } from '../../engine/ports';

/** The directory available to this detector context, if any. */
export function interfacesOf(ctx: DetectorContext): InterfaceDirectory | undefined {
  return ctx.interfaces;
}

/** The interface a flow record was captured on, when the directory knows it. */
export function interfaceOf(event: FlowEvent, directory: InterfaceDirectory | undefined): InterfaceInfo | undefined {
  return directory !== undefined && event.interfaceId !== undefined ? directory.byInterface(event.interfaceId) : undefined;
}
