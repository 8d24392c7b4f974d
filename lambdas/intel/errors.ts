/**
 * Typed errors of the intelligence layer.
 *
 * A bad *line* of a list is never an error: it becomes a located {@link ListIssue} and the rest of the list is
 * loaded. These errors are for what cannot be set aside line by line: a whole file that is unusable, or a
 * list declared with a configuration that makes no sense.
 */

/** Base class, so callers can catch everything the intel layer throws with one `instanceof`. */
export class IntelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntelError';
  }
}

/**
 * A list file that cannot be used at all: not JSON where a STIX bundle was expected, a CSV without the OTX
 * header, compressed or binary bytes, or text in which not a single line is an entry.
 *
 * @example
 * try { builder.add({ name: 'bad-ips', category: 'custom', kind: 'threat', text }) }
 * catch (e) { if (e instanceof IntelFormatError) log.error(e.message, { list: e.listName, format: e.format }) }
 */
export class IntelFormatError extends IntelError {
  /** The list's name, when known at the point of failure. */
  readonly listName: string | undefined;
  /** The format the file was read as (given or detected). */
  readonly format: string | undefined;

  constructor(message: string, options?: { cause?: unknown; listName?: string; format?: string }) {
    super(message, options);
    this.name = 'IntelFormatError';
    this.listName = options?.listName;
    this.format = options?.format;
  }
}

/** A list declared wrongly: unknown category or kind, duplicate or empty name, unknown format name. */
export class IntelConfigError extends IntelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntelConfigError';
  }
}

/** An IP, CIDR or domain handed directly to a set constructor that is not one. */
export class IntelEntryError extends IntelError {
  /** The offending entry, as given. */
  readonly entry: string;

  constructor(message: string, entry: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntelEntryError';
    this.entry = entry;
  }
}
