/**
 * Typed readers for detector settings beyond numbers: port lists and switches.
 *
 * Settings come from `vigil scan --set detector.setting=value` and are strings, numbers or booleans. A list
 * of ports is a comma-separated string (`--set denial-of-service.udpIgnorePorts=443,51820`); it is parsed
 * once per distinct value and the set reused, because detectors read their settings for every record.
 */
import type { DetectorContext } from '../../engine/detector';

/** A setting with a value of the wrong shape: a configuration error, reported when the detector runs. */
export class DetectorSettingError extends TypeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorSettingError';
  }
}

const portSets = new Map<string, ReadonlySet<number>>();

/**
 * Parses `"22, 80,443"` (or a single number) into a set of ports. An empty string is the empty set.
 * @throws DetectorSettingError for anything that is not a port number.
 */
export function parsePortList(value: string | number): ReadonlySet<number> {
  const text = String(value);
  let set = portSets.get(text);
  if (set !== undefined) return set;
  const ports = new Set<number>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const port = Number(trimmed);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DetectorSettingError(`"${trimmed}" in "${text}" is not a port number (0–65535)`);
    ports.add(port);
  }
  set = ports;
  portSets.set(text, set);
  return set;
}

/** Reads a port-list setting (see {@link parsePortList}). */
export function portListSetting(ctx: DetectorContext, name: string): ReadonlySet<number> {
  const value = ctx.settings[name];
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new DetectorSettingError(`setting ${name} must be a comma-separated list of ports, got ${JSON.stringify(value)}`);
  }
  return parsePortList(value);
}

/** Reads a boolean setting; `"true"`/`"false"` strings are accepted as the CLI may pass them. */
export function booleanSetting(ctx: DetectorContext, name: string): boolean {
  const value = ctx.settings[name];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new DetectorSettingError(`setting ${name} must be true or false, got ${JSON.stringify(value)}`);
}

const textSets = new Map<string, ReadonlySet<string>>();

/** Reads a comma-separated list of words or addresses (`"192.0.2.1, 2001:db8::1"`); empty string → empty set. */
export function textListSetting(ctx: DetectorContext, name: string): ReadonlySet<string> {
  const value = ctx.settings[name];
  if (typeof value !== 'string') throw new DetectorSettingError(`setting ${name} must be a comma-separated list, got ${JSON.stringify(value)}`);
  let set = textSets.get(value);
  if (set === undefined) {
    set = new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    textSets.set(value, set);
  }
  return set;
}
