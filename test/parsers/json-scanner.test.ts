import { JsonUnitScanner, type ScannerOptions, type UnitLocation } from '../../lambdas/parsers/json-scanner';

type Output =
  | { kind: 'unit'; text: string; at: UnitLocation }
  | { kind: 'malformed'; at: UnitLocation; message: string; excerpt: string }
  | { kind: 'oversized'; at: UnitLocation }
  | { kind: 'truncated'; at: { line: number; offset: number } };

function scan(text: string, options: Partial<ScannerOptions> = {}, pieceSize = text.length || 1): Output[] {
  const out: Output[] = [];
  const scanner = new JsonUnitScanner(
    {
      unit: (unitText, at) => out.push({ kind: 'unit', text: unitText, at }),
      malformed: (at, message, bytes) => out.push({ kind: 'malformed', at, message, excerpt: Buffer.from(bytes).toString('utf8') }),
      oversized: (at) => out.push({ kind: 'oversized', at }),
      truncated: (at) => out.push({ kind: 'truncated', at }),
    },
    { mode: 'values', maxUnitBytes: 1 << 20, ...options },
  );
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += pieceSize) scanner.push(bytes.subarray(at, at + pieceSize));
  scanner.end();
  return out;
}

function units(out: readonly Output[]): string[] {
  return out.map((o) => (o.kind === 'unit' ? o.text : `<${o.kind}>`));
}

describe('JsonUnitScanner', () => {
  it('cuts the elements of Records and ignores every other key, at any depth', () => {
    const text = '{"a":{"Records":[9]},"Records":[{"x":"}]"},{"y":[1,{"z":2}]}],"b":"Records"}';
    expect(units(scan(text, { mode: 'records' }))).toEqual(['{"x":"}]"}', '{"y":[1,{"z":2}]}']);
  });

  it('cuts the same units whatever the chunk boundaries', () => {
    const text = '{"Records":[{"k":"v\\"}"},{"e":"\\\\"},{"u":"\u00e9\u{1F600}"}]}';
    const whole = scan(text, { mode: 'records' });
    for (const size of [1, 2, 3, 5]) expect(scan(text, { mode: 'records' }, size)).toEqual(whole);
    expect(units(whole)).toEqual(['{"k":"v\\"}"}', '{"e":"\\\\"}', '{"u":"\u00e9\u{1F600}"}']);
  });

  it('locates each unit by index, line and byte offset', () => {
    const out = scan('{"a":1}\n\n  {"b":\n2}\n[{"c":3}]');
    expect(out.map((o) => (o.kind === 'unit' ? o.at : undefined))).toEqual([
      { index: 0, line: 1, offset: 0 },
      { index: 1, line: 3, offset: 11 },
      { index: 2, line: 5, offset: 21 },
    ]);
  });

  it('hands scalar array elements over as units so the caller can reject them', () => {
    expect(units(scan('{"Records":[null, 12 ,"s,]" ,true]}', { mode: 'records' }))).toEqual(['null', '12', '"s,]"', 'true']);
  });

  it('reports bytes between values as one malformed run and resumes at the next object', () => {
    const out = scan('{"a":1}\nnot json at all\n{"b":2}');
    expect(units(out)).toEqual(['{"a":1}', '<malformed>', '{"b":2}']);
    expect(out[1]).toMatchObject({ at: { line: 2, offset: 8 }, excerpt: 'not json at all\n' });
  });

  it('reports a unit cut off by the end of input, and an unclosed container around no unit', () => {
    expect(units(scan('{"Records":[{"a":1},{"b":', { mode: 'records' }))).toEqual(['{"a":1}', '<malformed>']);
    const out = scan('{"Records":[{"a":1},', { mode: 'records' });
    expect(units(out)).toEqual(['{"a":1}', '<truncated>']);
  });

  it('resynchronises at the signature when a record never closes', () => {
    const text = '{"Records":[{"eventVersion":"1","a":{"b":1},{"eventVersion":"2"}]}';
    const out = scan(text, { mode: 'records', resync: { signature: Buffer.from('{"eventVersion"'), unitStartsAt: 0 } });
    expect(units(out)).toEqual(['<malformed>', '{"eventVersion":"2"}']);
    expect(out[1]).toMatchObject({ at: { index: 1, offset: text.indexOf('{"eventVersion":"2"') } });
  });

  it('resynchronises on a signature split across chunks', () => {
    const text = '{"Records":[{"eventVersion":"1","a":"unterminated},{"eventVersion":"2"}]}';
    const options = { mode: 'records' as const, resync: { signature: Buffer.from('{"eventVersion"'), unitStartsAt: 0 } };
    for (const size of [1, 4, 9]) expect(units(scan(text, options, size))).toEqual(['<malformed>', '{"eventVersion":"2"}']);
  });

  it('resynchronises JSON lines at a newline followed by a brace', () => {
    const out = scan('{"a":"x\n{"b":2}\n{"c":3}', { resync: { signature: Buffer.from('\n{'), unitStartsAt: 1 } });
    expect(units(out)).toEqual(['<malformed>', '{"b":2}', '{"c":3}']);
  });

  it('does not resynchronise on the signature at the start of an ordinary record', () => {
    const text = '{"Records":[{"eventVersion":"1"},{"eventVersion":"2"}]}';
    expect(units(scan(text, { mode: 'records', resync: { signature: Buffer.from('{"eventVersion"'), unitStartsAt: 0 } }, 3))).toEqual([
      '{"eventVersion":"1"}',
      '{"eventVersion":"2"}',
    ]);
  });

  it('reports a unit larger than the limit once and skips it without holding it', () => {
    const big = `{"big":"${'x'.repeat(5000)}"}`;
    const out = scan(`{"a":1}\n${big}\n{"b":2}`, { maxUnitBytes: 1000 }, 512);
    expect(units(out)).toEqual(['{"a":1}', '<oversized>', '{"b":2}']);
    expect(out[1]).toMatchObject({ at: { index: 1, line: 2, offset: 8 } });
  });
});
