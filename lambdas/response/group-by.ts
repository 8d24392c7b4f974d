/**
 * Groups items by a key, keeping first-seen order of keys and of items within a group.
 * @example groupBy(['a1', 'b1', 'a2'], (s) => s[0]!) // Map { 'a' => ['a1', 'a2'], 'b' => ['b1'] }
 */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
