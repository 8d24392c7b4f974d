/**
 * Typed errors of the parser layer.
 *
 * None of them escapes a public parser function as a throw: record parsers catch {@link RecordShapeError}
 * and turn it into an `invalid-record` issue, and {@link compileFlowFormat} returns (not throws) a
 * {@link FlowFormatError}. They are classes so that callers and tests can tell them apart with `instanceof`.
 */

/** A JSON record parsed but a field is missing or has the wrong type. */
export class RecordShapeError extends Error {
  override readonly name = 'RecordShapeError';

  constructor(
    /** Dotted path of the offending field, e.g. `userIdentity.sessionContext`. */
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A flow log format string or header line that cannot describe records Vigil can use. */
export class FlowFormatError extends Error {
  override readonly name = 'FlowFormatError';

  constructor(
    message: string,
    /** The format as given. */
    readonly format: string,
    /** Columns the format must contain but does not. */
    readonly missingColumns: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
