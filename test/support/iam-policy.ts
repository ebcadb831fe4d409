/**
 * A small evaluator of identity-policy Allow statements, for tests that ask "does this policy allow the calls our
 * code actually makes?". It knows only what the project's policies use and throws on anything else (an unknown
 * condition operator must fail a test, not pass it): Action and Resource with `*` wildcards, and the condition
 * operators Null, NumericLessThanEquals, NumericGreaterThanEquals, StringEquals, ArnLike, ArnEquals and
 * ForAllValues:StringEquals (true when the key is absent, as IAM documents). Multi-valued keys follow IAM's default: a
 * single-valued operator must match every value.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */

/** Condition keys of one request: absent keys are simply not there (what `Null: true` tests). */
export type RequestContext = Readonly<Record<string, readonly string[]>>;

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const list = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? v : [v as T]);
const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

function conditionHolds(operator: string, key: string, expected: unknown, context: RequestContext): boolean {
  const values = context[key];
  const wanted = list(expected as string | string[]).map(String);
  switch (operator) {
    case 'Null':
      return wanted[0] === 'true' ? values === undefined : values !== undefined;
    case 'NumericLessThanEquals':
      return values !== undefined && values.every((v) => Number(v) <= Number(wanted[0]));
    case 'NumericGreaterThanEquals':
      return values !== undefined && values.every((v) => Number(v) >= Number(wanted[0]));
    case 'StringEquals':
    case 'ArnEquals':
      return values !== undefined && values.every((v) => wanted.includes(v));
    case 'ForAllValues:StringEquals':
      return values === undefined || values.every((v) => wanted.includes(v));
    case 'ArnLike':
      return values !== undefined && values.every((v) => wanted.some((w) => glob(w).test(v)));
    default:
      throw new Error(`condition operator ${operator} is not modelled by test/support/iam-policy.ts; add it before relying on it`);
  }
}

/** True when `statement` (an Allow) allows `action` on `resource` for a request with `context`. */
export function allows(statement: PolicyStatementJson, action: string, resource: string, context: RequestContext): boolean {
  if (statement.Effect !== 'Allow') throw new Error('allows() evaluates Allow statements only');
  if (!list(statement.Action).some((a) => glob(a).test(action))) return false;
  if (!list(statement.Resource).some((r) => glob(r).test(resource))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, expected, context)));
}
