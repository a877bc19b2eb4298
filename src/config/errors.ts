/** ConfigError: an unusable configuration, naming the file, the key and what to do (exit code 78). */

export type ConfigProblem = "missing-file" | "unreadable" | "not-json" | "invalid" | "incomplete";

export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    readonly problem: ConfigProblem,
    /** The config file (or environment variable) the problem is in. */
    readonly source: string,
    /** One-line description, already naming the key where there is one. */
    readonly detail: string,
    /** The offending key, dotted (`relay.logLevel`), when there is one. */
    readonly key?: string,
    /** What the user should do next. */
    readonly hint?: string,
  ) {
    super(`${source}: ${detail}${hint ? `\n${hint}` : ""}`);
  }
}

export const PAIR_FIRST_HINT = "This relay is not paired yet: run `fastclaw-relay pair` first.";
