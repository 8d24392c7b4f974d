/**
 * Backoff for the retries adapters run themselves (PutEvents failed entries, BatchGetItem unprocessed keys,
 * optimistic-concurrency conflicts). The SDK already retries whole calls; these loops cover what the SDK
 * reports as a success with parts left undone.
 */

export interface Backoff {
  /** First delay cap, in ms. */
  readonly baseDelayMs: number;
  /** Largest delay cap, in ms. */
  readonly maxDelayMs: number;
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  /** Injectable for tests: a number in [0, 1). */
  readonly random?: () => number;
  /** Injectable for tests: resolves after `ms`. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_BACKOFF: Backoff = { baseDelayMs: 50, maxDelayMs: 2_000, maxAttempts: 6 };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * "Full jitter": a uniform delay between 0 and the exponential cap, which spreads competing retriers apart
 * better than a fixed exponential delay.
 *
 * @example backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 5, random: () => 0.5 }) // 400
 */
export function backoffDelay(retry: number, backoff: Backoff): number {
  const cap = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** retry);
  return Math.floor((backoff.random ?? Math.random)() * cap);
}

/** Waits before retry number `retry` (0 for the first retry). */
export function waitBeforeRetry(retry: number, backoff: Backoff): Promise<void> {
  return (backoff.sleep ?? sleep)(backoffDelay(retry, backoff));
}
