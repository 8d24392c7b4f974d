/**
 * Just enough of the STIX 2.1 patterning language to turn an indicator's pattern into list entries.
 *
 * The whole grammar is parsed (observation expressions with AND / OR / FOLLOWEDBY and qualifiers, comparison
 * expressions with AND / OR, parentheses, all comparison operators and literal kinds), then the pattern is
 * split into its top-level *disjuncts*: the alternatives joined by OR, at observation or comparison level.
 * A disjunct that is a single comparison (`ipv4-addr:value = '198.51.100.7'`) matches on its own, so it can
 * become a list entry without changing what the indicator means; a disjunct that needs several conditions
 * (AND, FOLLOWEDBY, a qualifier such as REPEATS) cannot, and is reported as compound.
 *
 * @example
 * analyzeStixPattern("[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'evil.example']")
 * // { comparisons: [ {objectType:'ipv4-addr', …}, {objectType:'domain-name', …} ], compound: [] }
 */
import { IntelError } from '../errors';

/** One comparison of an object property with a value (or a set of values, for IN). */
export interface StixComparison {
  /** The object type before the colon, e.g. `ipv4-addr`. */
  readonly objectType: string;
  /** The property path after the colon, as written, e.g. `value` or `hashes.'SHA-256'`. */
  readonly property: string;
  /** `=`, `!=`, `<`, `>`, `<=`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET` or `EXISTS`. */
  readonly operator: string;
  readonly negated: boolean;
  /** The compared values: string literals unquoted, other literals as written. */
  readonly values: readonly StixValue[];
}

/** A compared value: string literals unquoted and unescaped, other literals as written. */
export type StixValue = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'other'; readonly raw: string };

/** A disjunct that needs more than one condition, with the object types it mentions. */
export interface StixCompound {
  readonly objectTypes: readonly string[];
}

/** A pattern split into its top-level alternatives. */
export interface StixPatternAnalysis {
  /** Disjuncts that are single comparisons. */
  readonly comparisons: readonly StixComparison[];
  /** Disjuncts that combine conditions. */
  readonly compound: readonly StixCompound[];
}

/** A pattern that is not valid STIX patterning syntax; the STIX reader turns it into an issue. */
export class StixPatternError extends IntelError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'StixPatternError';
  }
}

type Node =
  | { readonly kind: 'or' | 'and' | 'followedby'; readonly items: readonly Node[] }
  | { readonly kind: 'qualified'; readonly inner: Node }
  | { readonly kind: 'comparison'; readonly comparison: StixComparison };

type TokenKind = 'punct' | 'string' | 'literal' | 'path' | 'word' | 'operator' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const COMPARISON_KEYWORDS = new Set(['IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_-]/.test(c);
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readQuoted = (from: number): { value: string; end: number } => {
    let value = '';
    let j = from + 1;
    for (;;) {
      const c = pattern[j];
      if (c === undefined) throw new StixPatternError('unterminated string', from);
      if (c === '\\') {
        const next = pattern[j + 1];
        if (next !== "'" && next !== '\\') throw new StixPatternError('invalid escape in string', j);
        value += next;
        j += 2;
      } else if (c === "'") {
        return { value, end: j + 1 };
      } else {
        value += c;
        j++;
      }
    }
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if ('[](),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, position: i });
      i++;
    } else if (c === "'") {
      const { value, end } = readQuoted(i);
      tokens.push({ kind: 'string', text: value, position: i });
      i = end;
    } else if ((c === 't' || c === 'h' || c === 'b') && pattern[i + 1] === "'") {
      const { end } = readQuoted(i + 1);
      tokens.push({ kind: 'literal', text: pattern.slice(i, end), position: i });
      i = end;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = pattern.slice(i, i + 2);
      const text = two === '!=' || two === '<=' || two === '>=' ? two : c;
      if (text === '!') throw new StixPatternError("unexpected '!'", i);
      tokens.push({ kind: 'operator', text, position: i });
      i += text.length;
    } else if (/[0-9+-]/.test(c) && /[0-9]/.test(pattern[c === '+' || c === '-' ? i + 1 : i] ?? '')) {
      const match = /^[+-]?[0-9]+(\.[0-9]+)?/.exec(pattern.slice(i))!;
      tokens.push({ kind: 'literal', text: match[0], position: i });
      i += match[0].length;
    } else if (isWordChar(c)) {
      let j = i;
      while (isWordChar(pattern[j])) j++;
      if (pattern[j] !== ':') {
        tokens.push({ kind: 'word', text: pattern.slice(i, j), position: i });
        i = j;
        continue;
      }
      // An object path: type ':' property, then `.name`, `.'quoted name'` or `[index]` / `[*]` steps.
      j++;
      if (!isWordChar(pattern[j]) && pattern[j] !== "'") throw new StixPatternError('object path without a property', i);
      for (;;) {
        if (pattern[j] === "'") j = readQuoted(j).end;
        else if (isWordChar(pattern[j])) while (isWordChar(pattern[j])) j++;
        else break;
        if (pattern[j] === '.') {
          j++;
          continue;
        }
        const index = /^\[(\*|[0-9]+)\]/.exec(pattern.slice(j));
        if (index !== null) {
          j += index[0].length;
          if (pattern[j] === '.') j++;
          else break;
          continue;
        }
        break;
      }
      tokens.push({ kind: 'path', text: pattern.slice(i, j), position: i });
      i = j;
    } else {
      throw new StixPatternError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', position: pattern.length });
  return tokens;
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Node {
    const node = this.observationSequence();
    this.expect('end');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    return this.tokens[this.at++]!;
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toUpperCase() === text;
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private expect(kind: TokenKind, text?: string): Token {
    const t = this.next();
    if (t.kind !== kind || (text !== undefined && t.text.toUpperCase() !== text)) {
      throw new StixPatternError(`expected ${text ?? kind}, found ${t.kind === 'end' ? 'end of pattern' : JSON.stringify(t.text)}`, t.position);
    }
    return t;
  }

  private joined(kind: 'or' | 'and' | 'followedby', keyword: string, operand: () => Node): Node {
    const items = [operand()];
    while (this.isWord(keyword)) {
      this.next();
      items.push(operand());
    }
    return items.length === 1 ? items[0]! : { kind, items };
  }

  private observationSequence(): Node {
    return this.joined('followedby', 'FOLLOWEDBY', () => this.observationOr());
  }

  private observationOr(): Node {
    return this.joined('or', 'OR', () => this.observationAnd());
  }

  private observationAnd(): Node {
    return this.joined('and', 'AND', () => this.qualifiedObservation());
  }

  private qualifiedObservation(): Node {
    let node: Node;
    if (this.isPunct('[')) {
      this.next();
      node = this.comparisonOr();
      this.expect('punct', ']');
    } else if (this.isPunct('(')) {
      this.next();
      node = this.observationSequence();
      this.expect('punct', ')');
    } else {
      const t = this.peek();
      throw new StixPatternError(`expected '[' or '(', found ${t.kind === 'end' ? 'end of pattern' : JSON.stringify(t.text)}`, t.position);
    }
    for (;;) {
      if (this.isWord('WITHIN')) {
        this.next();
        this.expect('literal');
        this.expect('word', 'SECONDS');
      } else if (this.isWord('REPEATS')) {
        this.next();
        this.expect('literal');
        this.expect('word', 'TIMES');
      } else if (this.isWord('START')) {
        this.next();
        this.expect('literal');
        this.expect('word', 'STOP');
        this.expect('literal');
      } else {
        return node;
      }
      node = { kind: 'qualified', inner: node };
    }
  }

  private comparisonOr(): Node {
    return this.joined('or', 'OR', () => this.comparisonAnd());
  }

  private comparisonAnd(): Node {
    return this.joined('and', 'AND', () => this.comparison());
  }

  private comparison(): Node {
    if (this.isPunct('(')) {
      this.next();
      const inner = this.comparisonOr();
      this.expect('punct', ')');
      return inner;
    }
    if (this.isWord('EXISTS')) {
      this.next();
      return { kind: 'comparison', comparison: { ...splitPath(this.expect('path').text), operator: 'EXISTS', negated: false, values: [] } };
    }
    const path = splitPath(this.expect('path').text);
    let negated = false;
    if (this.isWord('NOT')) {
      this.next();
      negated = true;
    }
    const t = this.next();
    let operator: string;
    if (t.kind === 'operator') operator = t.text;
    else if (t.kind === 'word' && COMPARISON_KEYWORDS.has(t.text.toUpperCase())) operator = t.text.toUpperCase();
    else throw new StixPatternError(`expected a comparison operator, found ${t.kind === 'end' ? 'end of pattern' : JSON.stringify(t.text)}`, t.position);
    const values = operator === 'IN' ? this.valueSet() : [this.value()];
    return { kind: 'comparison', comparison: { ...path, operator, negated, values } };
  }

  private valueSet(): StixValue[] {
    this.expect('punct', '(');
    const values = [this.value()];
    while (this.isPunct(',')) {
      this.next();
      values.push(this.value());
    }
    this.expect('punct', ')');
    return values;
  }

  private value(): StixValue {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'string', value: t.text };
    if (t.kind === 'literal') return { kind: 'other', raw: t.text };
    if (t.kind === 'word' && (t.text === 'true' || t.text === 'false')) return { kind: 'other', raw: t.text };
    throw new StixPatternError(`expected a value, found ${t.kind === 'end' ? 'end of pattern' : JSON.stringify(t.text)}`, t.position);
  }
}

function splitPath(path: string): { objectType: string; property: string } {
  const colon = path.indexOf(':');
  return { objectType: path.slice(0, colon).toLowerCase(), property: path.slice(colon + 1) };
}

function objectTypesOf(node: Node, into: Set<string>): Set<string> {
  if (node.kind === 'comparison') into.add(node.comparison.objectType);
  else if (node.kind === 'qualified') objectTypesOf(node.inner, into);
  else for (const item of node.items) objectTypesOf(item, into);
  return into;
}

function collectDisjuncts(node: Node, comparisons: StixComparison[], compound: StixCompound[]): void {
  if (node.kind === 'or') {
    for (const item of node.items) collectDisjuncts(item, comparisons, compound);
  } else if (node.kind === 'comparison') {
    comparisons.push(node.comparison);
  } else {
    compound.push({ objectTypes: [...objectTypesOf(node, new Set())] });
  }
}

/**
 * Parses a STIX 2.1 pattern and splits it into its top-level disjuncts.
 * @throws StixPatternError (with the position) when the pattern is not valid STIX patterning syntax.
 */
export function analyzeStixPattern(pattern: string): StixPatternAnalysis {
  const tree = new Parser(tokenize(pattern)).parse();
  const comparisons: StixComparison[] = [];
  const compound: StixCompound[] = [];
  collectDisjuncts(tree, comparisons, compound);
  return { comparisons, compound };
}
