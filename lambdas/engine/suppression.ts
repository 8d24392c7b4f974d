/**
 * Suppression rules in GuardDuty's filter-criteria form.
 *
 * A rule is a saved filter whose action is ARCHIVE: `{ name, action, rank, findingCriteria: { criterion } }`,
 * where `criterion` maps an attribute path of the finding (`type`, `severity`,
 * `service.action.networkConnectionAction.remoteIpDetails.ipAddressV4`, …) to a condition. Attributes are
 * AND-ed; the values of one `eq` are OR-ed. A path that crosses an array matches if any element matches.
 *
 * @example
 * const rule = parseSuppressionRule({
 *   name: 'bastion-ssh', action: 'ARCHIVE',
 *   findingCriteria: { criterion: {
 *     type: { eq: ['UnauthorizedAccess:EC2/SSHBruteForce'] },
 *     'resource.instanceDetails.instanceId': { eq: ['i-0bastion'] },
 *   } },
 * });
 * matchingRule([rule], finding) // rule, when finding is SSH brute force against i-0bastion
 */
import type { Finding } from './finding';

export interface Condition {
  readonly eq?: readonly string[];
  readonly neq?: readonly string[];
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

export interface SuppressionRule {
  readonly name: string;
  readonly action: 'ARCHIVE' | 'NOOP';
  /** Order of application, 1–100; lower first. */
  readonly rank: number;
  readonly criterion: Readonly<Record<string, Condition>>;
}

export class SuppressionRuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SuppressionRuleError';
  }
}

const OPERATORS = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'equals', 'notEquals', 'greaterThan', 'greaterThanOrEqual', 'lessThan', 'lessThanOrEqual']);
/** GuardDuty's long-form operator names, mapped to the short ones. */
const ALIASES: Record<string, keyof Condition> = {
  equals: 'eq',
  notEquals: 'neq',
  greaterThan: 'gt',
  greaterThanOrEqual: 'gte',
  lessThan: 'lt',
  lessThanOrEqual: 'lte',
};

/**
 * Validates one rule as written in a JSON file (GuardDuty CreateFilter shape, camelCase or PascalCase keys).
 * @throws SuppressionRuleError naming the rule and the offending attribute.
 */
export function parseSuppressionRule(input: unknown, index = 0): SuppressionRule {
  if (!isRecord(input)) throw new SuppressionRuleError(`rule #${index + 1}: must be an object`);
  const get = (k: string): unknown => input[k] ?? input[k[0]!.toUpperCase() + k.slice(1)];
  const name = get('name');
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{3,64}$/.test(name)) {
    throw new SuppressionRuleError(`rule #${index + 1}: name must be 3–64 characters of letters, digits, . _ -`);
  }
  const action = get('action') ?? 'ARCHIVE';
  if (action !== 'ARCHIVE' && action !== 'NOOP') throw new SuppressionRuleError(`rule ${name}: action must be ARCHIVE or NOOP`);
  const rank = get('rank') ?? 1;
  if (typeof rank !== 'number' || rank < 1 || rank > 100) throw new SuppressionRuleError(`rule ${name}: rank must be 1–100`);
  const criteria = get('findingCriteria');
  const rawCriterion = isRecord(criteria) ? (criteria.criterion ?? criteria.Criterion) : undefined;
  if (!isRecord(rawCriterion) || Object.keys(rawCriterion).length === 0) {
    throw new SuppressionRuleError(`rule ${name}: findingCriteria.criterion must name at least one attribute`);
  }
  const criterion: Record<string, Condition> = {};
  for (const [path, rawCondition] of Object.entries(rawCriterion)) {
    if (!isRecord(rawCondition)) throw new SuppressionRuleError(`rule ${name}: condition on ${path} must be an object`);
    const condition: { -readonly [K in keyof Condition]: Condition[K] } = {};
    for (const [rawOp, value] of Object.entries(rawCondition)) {
      if (value === undefined) continue;
      // The API's JSON uses camelCase operators (`eq`); SDK-shaped input uses PascalCase (`Eq`).
      const op = rawOp.charAt(0).toLowerCase() + rawOp.slice(1);
      if (!OPERATORS.has(op)) throw new SuppressionRuleError(`rule ${name}: unknown operator ${op} on ${path}`);
      const key = ALIASES[op] ?? (op as keyof Condition);
      if (key === 'eq' || key === 'neq') {
        if (!Array.isArray(value) || value.length === 0 || value.length > 50) {
          throw new SuppressionRuleError(`rule ${name}: ${op} on ${path} takes a list of 1–50 values`);
        }
        condition[key] = value.map(String);
      } else {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new SuppressionRuleError(`rule ${name}: ${op} on ${path} takes a number`);
        condition[key] = n;
      }
    }
    criterion[path] = condition;
  }
  return { name, action, rank, criterion };
}

/** The first ARCHIVE rule (by rank, then name) that matches the finding, if any. */
export function matchingRule(rules: readonly SuppressionRule[], finding: Finding): SuppressionRule | undefined {
  for (const rule of rules) {
    if (rule.action === 'ARCHIVE' && matchesCriterion(rule.criterion, finding)) return rule;
  }
  return undefined;
}

/** Sorts rules into the order GuardDuty applies them. */
export function orderRules(rules: readonly SuppressionRule[]): SuppressionRule[] {
  return [...rules].sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name));
}

export function matchesCriterion(criterion: Readonly<Record<string, Condition>>, finding: Finding): boolean {
  for (const path in criterion) {
    if (!matchesCondition(valuesAt(finding, path), criterion[path]!)) return false;
  }
  return true;
}

function matchesCondition(values: readonly unknown[], c: Condition): boolean {
  const strings = values.map(toFilterString);
  if (c.eq && !strings.some((s) => c.eq!.includes(s))) return false;
  if (c.neq && strings.some((s) => c.neq!.includes(s))) return false;
  const numeric = c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
  if (numeric) {
    const numbers = values.map(toFilterNumber).filter((n): n is number => n !== undefined);
    const ok = numbers.some(
      (n) =>
        (c.gt === undefined || n > c.gt) &&
        (c.gte === undefined || n >= c.gte) &&
        (c.lt === undefined || n < c.lt) &&
        (c.lte === undefined || n <= c.lte),
    );
    if (!ok) return false;
  }
  return true;
}

/** Values at a dotted path; arrays along the way fan out. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (isRecord(item) && item[segment] !== undefined) next.push(item[segment]);
      }
    }
    current = next;
    if (current.length === 0) return current;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function toFilterString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Numbers as themselves; ISO timestamps as epoch ms, as GuardDuty compares `updatedAt` and friends. */
function toFilterNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return n;
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
