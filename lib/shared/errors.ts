/**
 * The base of every error this project throws on purpose for a person to read: bad config, bad construct props,
 * a schedule, a price lookup, the cost model, a cost report. Its message is written for the user (it names the thing,
 * the value and the rule), so entry points print it as it is; anything else is a bug and keeps its stack.
 *
 * Lambda runtime code does not use it: its errors are logged and retried by the runtime, not shown by a CLI.
 */
export class GpuFleetError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * What a command-line entry point (bin/app.ts, scripts/) prints when it fails: a GpuFleetError's message, without a
 * stack trace; anything else with its stack, for a bug report.
 */
export function failureText(err: unknown): string {
  if (err instanceof GpuFleetError) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
