/** The trial's command line: `npm run trial [-- --message "hi"] [--gateway auto|existing|local] [--keep] [--timeout s]`. */
import { RelayError } from "../../src/relay-error.js";

export type GatewayMode = "auto" | "existing" | "local";

export interface TrialArgs {
  message?: string;
  gateway: GatewayMode;
  keep: boolean;
  timeoutSeconds: number;
  stateDir?: string;
  help: boolean;
}

export const TRIAL_USAGE = [
  "usage: npm run trial [-- options]",
  "",
  "Runs the whole pipeline on this machine with no cloud account: a local Convex server, the relay",
  "(`fastclaw-relay run`), and a terminal chat that pairs through the real flow and plays the phone app.",
  "",
  "  -m, --message <text>   send one message, print the reply, stop everything (exit 0 on a final reply)",
  "  --gateway <mode>       auto (default): your running Gateway if one answers, else a trial Gateway",
  "                         existing: only your running Gateway; local: always start a trial Gateway",
  "  --timeout <seconds>    how long to wait for a reply (default 120)",
  "  --state-dir <dir>      where the trial's relay state goes (default: a new temp dir)",
  "  --keep                 keep the state dir afterwards (it is kept anyway when something failed)",
  "  -h, --help             this text",
];

export class TrialUsageError extends RelayError<"USAGE"> {
  override readonly name = "TrialUsageError";
  constructor(message: string) {
    super("USAGE", message);
  }
}

export function parseTrialArgs(argv: readonly string[]): TrialArgs {
  const args: TrialArgs = { gateway: "auto", keep: false, timeoutSeconds: 120, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.startsWith("--") ? (argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined]) : [argv[i]!, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new TrialUsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "-m":
      case "--message":
        args.message = value();
        if (args.message.trim().length === 0) throw new TrialUsageError("--message is empty");
        break;
      case "--gateway": {
        const mode = value();
        if (mode !== "auto" && mode !== "existing" && mode !== "local") throw new TrialUsageError(`--gateway must be auto, existing or local, not "${mode}"`);
        args.gateway = mode;
        break;
      }
      case "--timeout": {
        const seconds = Number(value());
        if (!Number.isFinite(seconds) || seconds <= 0) throw new TrialUsageError("--timeout must be a number of seconds > 0");
        args.timeoutSeconds = seconds;
        break;
      }
      case "--state-dir":
        args.stateDir = value();
        break;
      case "--keep":
        args.keep = true;
        break;
      case "-h":
      case "--help":
        args.help = true;
        break;
      default:
        throw new TrialUsageError(`unknown argument "${argv[i]}"`);
    }
  }
  return args;
}
