import { LineSplitter } from '../../lambdas/parsers/line-splitter';

type Seen = { line: string; n: number } | { oversized: number; offset: number };

function split(text: string | Buffer, maxLineBytes: number, pieceSize: number): Seen[] {
  const seen: Seen[] = [];
  const splitter = new LineSplitter(
    {
      line: (t, start, end, n) => seen.push({ line: t.slice(start, end), n }),
      oversized: (n, offset) => seen.push({ oversized: n, offset }),
    },
    maxLineBytes,
  );
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let at = 0; at < bytes.length; at += pieceSize) splitter.push(bytes.subarray(at, at + pieceSize));
  splitter.end();
  return seen;
}

describe('LineSplitter', () => {
  it('yields every line with its number, including a last line without newline, whatever the pieces', () => {
    const text = 'alpha\n\nbeta gamma\r\ndelta';
    const expected = [
      { line: 'alpha', n: 1 },
      { line: '', n: 2 },
      { line: 'beta gamma\r', n: 3 },
      { line: 'delta', n: 4 },
    ];
    for (const size of [1, 2, 3, 64]) expect(split(text, 100, size)).toEqual(expected);
  });

  it('never splits a multi-byte character across pieces', () => {
    const text = 'é€😀\nsecond ünïcode line\n';
    for (const size of [1, 2, 5]) expect(split(text, 100, size)).toEqual([{ line: 'é€😀', n: 1 }, { line: 'second ünïcode line', n: 2 }]);
  });

  it('reports a line over the limit by its number and byte offset, and goes on with the next', () => {
    const text = `short\n€${'x'.repeat(40)}\nafter\n`;
    for (const size of [4, 7, 1000]) {
      expect(split(text, 20, size)).toEqual([{ line: 'short', n: 1 }, { oversized: 2, offset: 6 }, { line: 'after', n: 3 }]);
    }
  });

  it('counts the limit in bytes, not characters', () => {
    expect(split('€€€€\n', 11, 100)).toEqual([{ oversized: 1, offset: 0 }]);
    expect(split('€€€€\n', 12, 100)).toEqual([{ line: '€€€€', n: 1 }]);
  });

  it('drops an oversized last line that has no newline', () => {
    expect(split(`ok\n${'y'.repeat(50)}`, 10, 8)).toEqual([{ line: 'ok', n: 1 }, { oversized: 2, offset: 3 }]);
  });
});
