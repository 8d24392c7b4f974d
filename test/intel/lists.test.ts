import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntelConfigError, IntelFormatError } from '../../lambdas/intel/errors';
import { analyzeStixPattern, StixPatternError } from '../../lambdas/intel/formats/stix-pattern';
import { detectListFormat, listFormatFromName, parseList } from '../../lambdas/intel/lists';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('TXT lists', () => {
  const list = parseList(fixture('threats.txt'));

  it('is detected from content', () => {
    expect(list.format).toBe('txt');
  });

  it('keeps addresses, blocks and domains, skipping comments, blanks and trailing comments', () => {
    expect(list.ips).toEqual(['198.51.100.7', '203.0.113.0/24', '192.0.2.0/28', '2001:db8::/48']);
    expect(list.domains).toEqual(['evil.example', 'c2.bad-actor.example']);
  });

  it('sets bad lines aside with their line number, reason and an explanation', () => {
    expect(list.issueCount).toBe(4);
    expect(list.issues.map((i) => [i.line, i.reason])).toEqual([
      [11, 'invalid-entry'],
      [12, 'invalid-entry'],
      [13, 'invalid-entry'],
      [14, 'invalid-entry'],
    ]);
    expect(list.issues[0]!.message).toMatch(/unexpected text after the entry/);
    expect(list.issues[1]!.message).toMatch(/not a valid IPv4 address/);
    expect(list.issues[2]!.message).toMatch(/invalid prefix length/);
    expect(list.issues[3]!.message).toMatch(/is a URL; list its host name instead/);
    expect(list.issues[3]!.excerpt).toBe('http://phish.example/login');
  });

  it('reads CRLF line endings, a byte-order mark and lines given as an array alike', () => {
    const text = '\ufeff198.51.100.7\r\n# comment\r\nevil.example\r\n';
    const fromText = parseList(text);
    const fromLines = parseList(['\ufeff198.51.100.7', '# comment', 'evil.example']);
    for (const parsed of [fromText, fromLines]) {
      expect(parsed.ips).toEqual(['198.51.100.7']);
      expect(parsed.domains).toEqual(['evil.example']);
      expect(parsed.issueCount).toBe(0);
    }
  });

  it('counts every bad line but keeps only the first ones in detail', () => {
    const text = ['198.51.100.7', ...Array.from({ length: 30 }, (_, i) => `bad entry ${i}`)].join('\n');
    const parsed = parseList(text, { maxIssues: 5 });
    expect(parsed.issueCount).toBe(30);
    expect(parsed.issues).toHaveLength(5);
    expect(parsed.ips).toEqual(['198.51.100.7']);
  });

  it('keeps repeated entries as listed, in file order', () => {
    expect(parseList('198.51.100.7\n198.51.100.7/32\nevil.example\nEVIL.example.\n')).toMatchObject({
      ips: ['198.51.100.7', '198.51.100.7/32'],
      domains: ['evil.example', 'evil.example'],
    });
  });

  it('reads an empty file as an empty list', () => {
    expect(parseList('')).toMatchObject({ format: 'txt', ips: [], domains: [], issueCount: 0 });
    expect(parseList('# nothing yet\n\n')).toMatchObject({ ips: [], issueCount: 0 });
  });

  it('refuses a file in which no line is an entry, naming the list', () => {
    const html = '<html>\n<body>403 Forbidden</body>\n</html>\n';
    expect(() => parseList(html, { name: 'bad-ips' })).toThrow(IntelFormatError);
    expect(() => parseList(html, { name: 'bad-ips' })).toThrow(/no usable entry.*line 1/);
  });
});

describe('Tor exit lists', () => {
  it('are detected from content and yield every ExitAddress', () => {
    const list = parseList(fixture('tor-exit-addresses.txt'));
    expect(list.format).toBe('tor-exit');
    expect(list.ips).toEqual(['198.51.100.231', '198.51.100.232', '203.0.113.64', '2001:db8:1::64']);
    expect(list.domains).toEqual([]);
    expect(list.issueCount).toBe(0);
  });

  it('set aside unknown keywords and bad addresses with their line numbers', () => {
    const text = 'ExitNode AAAA\nExitAddress 198.51.100.1 2024-01-30 10:00:00\nExitAdress 198.51.100.2 2024-01-30\nExitAddress 198.51.100.300 2024-01-30\nExitAddress\n';
    const list = parseList(text);
    expect(list.ips).toEqual(['198.51.100.1']);
    expect(list.issues.map((i) => [i.line, i.reason])).toEqual([
      [3, 'unknown-line'],
      [4, 'invalid-entry'],
      [5, 'malformed-record'],
    ]);
  });
});

describe('OTX CSV lists', () => {
  const list = parseList(fixture('pulse.otx.csv'));

  it('are detected from their header', () => {
    expect(list.format).toBe('otx-csv');
  });

  it('map IPv4, IPv6 and CIDR rows to addresses and domain and hostname rows to domains', () => {
    expect(list.ips).toEqual(['198.51.100.7', '2001:db8::bad', '203.0.113.0/25']);
    expect(list.domains).toEqual(['evil.example', 'c2.bad-actor.example']);
  });

  it('count OTX indicator types with nothing to match as ignored', () => {
    expect(list.ignored).toBe(2);
  });

  it('set aside bad values and unknown types with the line the row starts on', () => {
    expect(list.issues.map((i) => [i.line, i.reason])).toEqual([
      [10, 'invalid-entry'],
      [11, 'invalid-entry'],
    ]);
    expect(list.issues[1]!.message).toMatch(/unknown OTX indicator type "Ipv 4"/);
  });

  it('find columns by name, in any order, and report rows that lack them', () => {
    const text = 'Description,Indicator,Indicator type\n"x, y",198.51.100.9,IPv4\nonly-one-column\n';
    const parsed = parseList(text);
    expect(parsed.ips).toEqual(['198.51.100.9']);
    expect(parsed.issues).toMatchObject([{ line: 3, reason: 'malformed-record' }]);
  });

  it('report a quoted field left open at the end of the file', () => {
    const parsed = parseList('Indicator type,Indicator,Description\nIPv4,198.51.100.9,\nIPv4,198.51.100.10,"never closed\n');
    expect(parsed.ips).toEqual(['198.51.100.9']);
    expect(parsed.issues).toMatchObject([{ line: 3, reason: 'malformed-record' }]);
  });

  it('refuse a file read as OTX CSV that has no header', () => {
    expect(() => parseList('IPv4,198.51.100.7,\n', { format: 'otx-csv' })).toThrow(IntelFormatError);
  });
});

describe('STIX bundles', () => {
  const list = parseList(fixture('bundle.stix.json'), { asOf: Date.parse('2024-06-01T00:00:00Z') });

  it('are detected from content', () => {
    expect(list.format).toBe('stix');
  });

  it('turn single-comparison alternatives on addresses and domains into entries', () => {
    expect(list.ips).toEqual(['198.51.100.7', '2001:db8::bad', '203.0.113.9', '203.0.113.10', '192.0.2.0/24', '198.51.100.20', '198.51.100.21']);
    expect(list.domains).toEqual(['evil.example', 'c2.evil.example']);
  });

  it('report compound and broken patterns with the object index', () => {
    expect(list.issues.map((i) => [i.index, i.reason])).toEqual([
      [7, 'unsupported-pattern'],
      [11, 'malformed-record'],
    ]);
    expect(list.issues[0]!.message).toMatch(/^indicator--and:/);
  });

  it('ignore hash indicators, revoked ones, other pattern languages and those expired at asOf', () => {
    expect(list.ignored).toBe(4);
    expect(list.ips).not.toContain('198.51.100.55');
    expect(list.ips).not.toContain('198.51.100.66');
  });

  it('keep indicators with a validity end when no asOf is given', () => {
    expect(parseList(fixture('bundle.stix.json')).ips).toContain('198.51.100.55');
  });

  it('accept a bare array of objects and a single indicator', () => {
    const indicator = { type: 'indicator', id: 'indicator--x', pattern: "[ipv4-addr:value = '198.51.100.1']", pattern_type: 'stix' };
    expect(parseList(JSON.stringify([indicator])).ips).toEqual(['198.51.100.1']);
    expect(parseList(JSON.stringify(indicator)).ips).toEqual(['198.51.100.1']);
  });

  it('refuse text that is not JSON, keeping the parser error as the cause', () => {
    let error: unknown;
    try {
      parseList('{"type": "bundle", "objects": [', { name: 'feed' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntelFormatError);
    expect((error as IntelFormatError).listName).toBe('feed');
    expect((error as Error).message).toMatch(/not valid JSON/);
    expect(((error as Error).cause as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('refuse JSON that is not a STIX document', () => {
    expect(() => parseList('{"hello": "world"}')).toThrow(/not a STIX document/);
  });
});

describe('analyzeStixPattern', () => {
  it('splits OR at both levels into single comparisons', () => {
    const analysis = analyzeStixPattern("[ipv4-addr:value = '1.2.3.4' OR ipv6-addr:value = '::1'] OR ([domain-name:value = 'a.example'])");
    expect(analysis.comparisons.map((c) => [c.objectType, c.operator])).toEqual([
      ['ipv4-addr', '='],
      ['ipv6-addr', '='],
      ['domain-name', '='],
    ]);
    expect(analysis.compound).toEqual([]);
  });

  it('reports AND, FOLLOWEDBY and qualified observations as compound', () => {
    const analysis = analyzeStixPattern(
      "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example'] OR [ipv4-addr:value = '5.6.7.8'] REPEATS 5 TIMES OR ([file:name = 'a'] FOLLOWEDBY [file:name = 'b']) WITHIN 60 SECONDS",
    );
    expect(analysis.comparisons).toEqual([]);
    expect(analysis.compound.map((c) => c.objectTypes)).toEqual([['ipv4-addr', 'domain-name'], ['ipv4-addr'], ['file']]);
  });

  it('reads quoted path steps, list indexes, escapes and every literal kind', () => {
    const analysis = analyzeStixPattern(
      "[file:hashes.'SHA-256' = 'ab\\'c' OR file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0 OR x:y[0].z NOT IN (1, -2, true) OR x:t = t'2024-01-01T00:00:00Z' OR x:h = h'ff' OR EXISTS x:q]",
    );
    expect(analysis.comparisons.map((c) => [c.property, c.operator, c.negated])).toEqual([
      ["hashes.'SHA-256'", '=', false],
      ["extensions.'windows-pebinary-ext'.sections[*].entropy", '>', false],
      ['y[0].z', 'IN', true],
      ['t', '=', false],
      ['h', '=', false],
      ['q', 'EXISTS', false],
    ]);
    expect(analysis.comparisons[0]!.values).toEqual([{ kind: 'string', value: "ab'c" }]);
  });

  it.each(["[ipv4-addr:value = '1.2.3.4'", "ipv4-addr:value = '1.2.3.4'", "[ipv4-addr:value = '1.2.3.4]", '[ipv4-addr:value ~ 1]', "[ipv4-addr:value = '1'] OR", '[ipv4-addr: = 1]'])(
    'refuses %j with its position',
    (pattern) => {
      expect(() => analyzeStixPattern(pattern)).toThrow(StixPatternError);
    },
  );
});

describe('format detection and names', () => {
  it('detects each format from its first meaningful line', () => {
    expect(detectListFormat('  \n{"type":"bundle"}')).toBe('stix');
    expect(detectListFormat('@type tordnsel 1.0\n')).toBe('tor-exit');
    expect(detectListFormat('ExitAddress 198.51.100.1 2024-01-01 00:00:00\n')).toBe('tor-exit');
    expect(detectListFormat('"Indicator type","Indicator","Description"\n')).toBe('otx-csv');
    expect(detectListFormat('# list\n198.51.100.7\n')).toBe('txt');
    expect(detectListFormat(['Indicator type,Indicator', 'IPv4,198.51.100.7'])).toBe('otx-csv');
  });

  it('refuses compressed and binary content', () => {
    expect(() => detectListFormat('\u001f\u008b\u0008\u0000binary')).toThrow(/binary or compressed/);
    expect(() => parseList('198.51.100.7\u0000\u0000')).toThrow(IntelFormatError);
  });

  it("accepts Vigil's and GuardDuty's format names and refuses the rest", () => {
    expect(listFormatFromName('OTX_CSV')).toBe('otx-csv');
    expect(listFormatFromName('STIX')).toBe('stix');
    expect(listFormatFromName('txt')).toBe('txt');
    expect(listFormatFromName('tor-exit')).toBe('tor-exit');
    expect(() => listFormatFromName('FIRE_EYE')).toThrow(IntelConfigError);
  });

  it('reads a list as the format it is given, whatever its content looks like', () => {
    const list = parseList('ExitAddress 198.51.100.1 2024-01-01 00:00:00\n198.51.100.2\n', { format: 'tor-exit' });
    expect(list.ips).toEqual(['198.51.100.1']);
    expect(list.issues).toMatchObject([{ line: 2, reason: 'unknown-line' }]);
  });
});
