/** ConfigError: an unusable configuration, naming the file, the key and what to do (exit code 78). */
import { RelayError } from "../relay-error.js";

export type ConfigErrorCode = "CONFIG_MISSING" | "CONFIG_UNREADABLE" | "CONFIG_NOT_JSON" | "CONFIG_INVALID" | "CONFIG_INCOMPLETE";

export class ConfigError extends RelayError<ConfigErrorCode> {
  override readonly name = "ConfigError";
  /** The config file (or environment variable) the problem is in. */
  readonly source: string;
  /** The offending key, dotted (`relay.logLevel`), when there is one. */
  readonly key: string | undefined;

  /** `detail` is one line, already naming the key where there is one; the hint says what to do next. */
  constructor(code: ConfigErrorCode, source: string, detail: string, options: { key?: string | undefined; hint?: string } = {}) {
    super(code, `${source}: ${detail}`, options.hint);
    this.source = source;
    this.key = options.key;
  }
}

export const PAIR_FIRST_HINT = "This relay is not paired yet: run `fastclaw-relay pair` first.";
