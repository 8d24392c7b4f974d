/**
 * Typed errors of the response layer.
 *
 * A finding that cannot be acted on is never an error: it becomes a skip or a refusal with a stable reason.
 * These errors are for what stops Vigil from acting at all: a configuration that makes no sense, or a WAF
 * or NACL change that failed after its retries.
 */

/** Base class, so callers can catch everything the response layer throws with one `instanceof`. */
export class ResponseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResponseError';
  }
}

/**
 * The response configuration is unusable: a wrong type, an unknown mode, a CIDR that is not one, a rule
 * range outside 1–32766. Raised once at start-up, naming the offending setting.
 *
 * @example
 * try { parseResponseConfig(JSON.parse(text)) }
 * catch (e) { if (e instanceof ResponseConfigError) console.error(`${e.setting}: ${e.message}`) }
 */
export class ResponseConfigError extends ResponseError {
  /** Dotted path of the offending setting, e.g. `nacl.ruleRange.first`. */
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(`${setting}: ${message}`, options);
    this.name = 'ResponseConfigError';
    this.setting = setting;
  }
}

/**
 * A change to a block target (a WAF IP set, a network ACL) failed for good: retries were exhausted or AWS
 * refused it for a reason retrying cannot fix. The blocks it carried stay unapplied and are retried later.
 */
export class BlockTargetError extends ResponseError {
  /** The target key, e.g. `waf:REGIONAL:1a2b…` or `nacl:acl-0abc`. */
  readonly target: string;
  /** How many attempts were made before giving up. */
  readonly attempts: number;

  constructor(target: string, message: string, options?: { cause?: unknown; attempts?: number }) {
    super(`${target}: ${message}`, options);
    this.name = 'BlockTargetError';
    this.target = target;
    this.attempts = options?.attempts ?? 1;
  }
}
