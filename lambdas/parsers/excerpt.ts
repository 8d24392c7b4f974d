/**
 * Short, printable excerpts of bad input for issue reports.
 *
 * An excerpt must be safe to print on a terminal or store in a log line whatever the input held, so control
 * characters and invalid UTF-8 become escapes and the length is capped.
 */

/** Longest excerpt, in characters, before the ellipsis. */
export const EXCERPT_MAX_CHARS = 200;

/**
 * Returns a printable excerpt of `text`: control characters escaped, at most {@link EXCERPT_MAX_CHARS}.
 *
 * @example
 * excerptOfText('2 1111 eni-1\u0000x') // '2 1111 eni-1\\u0000x'
 */
export function excerptOfText(text: string, maxChars = EXCERPT_MAX_CHARS): string {
  const head = text.length > maxChars ? text.slice(0, maxChars) : text;
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    // C0 controls, DEL, C1 controls and the replacement character left by invalid UTF-8.
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) {
      out += head.slice(plainFrom, i) + '\\u' + c.toString(16).padStart(4, '0');
      plainFrom = i + 1;
    }
  }
  out += head.slice(plainFrom);
  return text.length > maxChars ? `${out}…` : out;
}

/** Excerpt of a byte range, decoded as UTF-8 (invalid sequences show as escapes). */
export function excerptOfBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // A UTF-8 character is at most 4 bytes, so this many bytes always hold more than the excerpt shows
  // (and the excerpt then gets its ellipsis); decoding the whole range could mean megabytes.
  const stop = Math.min(end, start + EXCERPT_MAX_CHARS * 4 + 4);
  return excerptOfText(Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('utf8'));
}

/** Excerpt of an already-parsed JSON value (a record that parsed but did not validate). */
export function excerptOfValue(value: unknown): string {
  try {
    return excerptOfText(JSON.stringify(value) ?? String(value));
  } catch {
    // Values handed in by callers (not from JSON.parse) may be circular or hold BigInts.
    return excerptOfText(Object.prototype.toString.call(value));
  }
}
