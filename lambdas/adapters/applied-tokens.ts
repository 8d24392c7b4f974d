/**
 * Input tokens as DynamoDB items remember them.
 *
 * DynamoDB (and dynalite) writes of one batch cannot be one transaction here, so a batch that crashes half
 * way has changed some items and not others. To make the redelivered batch change nothing twice, every
 * state and finding item keeps the digests of the last few tokens applied to it, and every write is
 * conditioned on its token being absent (`NOT contains(tokens, :t)`). A digest rather than the token keeps
 * items small: an S3 token is a ~200-character key, and write cost grows with item size.
 */
import { createHash } from 'node:crypto';

/** How many token digests an item keeps by default. A retry must arrive before this many other batches touched the item. */
export const DEFAULT_TOKEN_HISTORY = 32;

/**
 * A 16-character digest of a token (96 bits of SHA-256): short enough to keep dozens per item, long
 * enough that two tokens never share one in practice.
 *
 * @example tokenDigest('s3://logs/AWSLogs/…/file.json.gz#9b2cf535f27731c974343645a3985328#0') // 'q1Xc…' (16 chars)
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 16);
}

/** Appends a digest, keeping only the newest `limit` entries (the list is oldest first). */
export function appendDigest(history: readonly string[], digest: string, limit = DEFAULT_TOKEN_HISTORY): string[] {
  const next = history.filter((d) => d !== digest);
  next.push(digest);
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** Reads a `tokens` attribute defensively: anything but a list of strings counts as empty. */
export function readDigests(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((d): d is string => typeof d === 'string') : [];
}
