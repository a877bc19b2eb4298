/** The one shape of a failure meant for a person: a stable code, a message, and optionally what to do next. */

/**
 * Every error the relay shows a person extends this (config, usage, service manager, pairing, chat,
 * run lock). The message says what went wrong in one line; the hint, printed on its own line, says what
 * to do; the code is stable for scripts (`chat --json`) and tests. How the command line prints one and
 * which exit code it gets is decided in one place, src/cli/report-error.ts.
 */
export class RelayError<Code extends string = string> extends Error {
  override readonly name: string = "RelayError";
  readonly code: Code;
  readonly hint: string | undefined;

  constructor(code: Code, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }
}
