/** The cost report: model, JSON, Markdown, the PR diff and the gate. See docs/cost-report.md. */
export * from './model';
export * from './json';
export * from './markdown';
export * from './summary';
export * from './write';
export * from './diff';
export * from './diff-markdown';
export * from './check';
export * from './annotations';
