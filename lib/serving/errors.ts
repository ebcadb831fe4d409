/**
 * Raised at construction when the props of a serving construct break a rule; one line per problem, each naming the
 * prop, its value and the rule.
 */
export class ServingConfigError extends Error {
  constructor(readonly subject: string, readonly problems: readonly string[]) {
    super(`${subject} props are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ServingConfigError';
  }
}
