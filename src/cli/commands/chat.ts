/** `fastclaw-relay chat`: a terminal chat that plays the FastClaw app (pairs, sends, shows replies streaming). */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function chatCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "chat",
    describe: "Chat with the agent through Convex as the phone app would (checks a setup without the phone)",
    builder: (y: Argv) =>
      y
        .option("message", {
          alias: "m",
          type: "string",
          describe: "Send this one message, print the reply and exit (0 on a final reply, 1 otherwise)",
        })
        .option("attach", {
          type: "string",
          describe: "With --message: send this file with it (checked against the relay's size and type limits first)",
        })
        .option("media-dir", {
          type: "string",
          describe: "Save media that comes with replies here (default: chat-media/ in the state dir; created 0700, files 0600)",
        })
        .option("session", {
          alias: "s",
          type: "string",
          describe: "Session key (a bare name means agent:main:<name>; default agent:main:main)",
        })
        .option("pair", {
          type: "string",
          // Takes the next word whatever it is, so `--pair -` (standard input) is a value, not an argument.
          nargs: 1,
          describe:
            "Pair first: `-` reads the payload (the fastclaw://pair?… link or a `pair --json` line) from standard input; a payload given here is visible to other local users",
        })
        .option("pair-file", {
          type: "string",
          describe: "Pair first with the payload in this file (keep it private: it holds the one-time token)",
        })
        .option("convex-url", { type: "string", describe: "Convex URL for a bare pairing token (default: the relay's config)" })
        .option("device-name", { type: "string", describe: "Name the relay shows for this chat device" })
        .option("json", {
          type: "boolean",
          default: false,
          describe: "Print one JSON object (with --message, --status, --sessions)",
        })
        .option("timeout", {
          type: "number",
          default: 120,
          describe: "Seconds to wait for a final reply",
          // coerce, not check: yargs 18 runs the handler even when a check fails.
          coerce: (n: number) => {
            if (!Number.isFinite(n) || n <= 0) throw new Error("--timeout must be a number of seconds > 0");
            return n;
          },
        })
        .option("sessions", { type: "boolean", default: false, describe: "List the sessions and exit" })
        .option("status", {
          type: "boolean",
          default: false,
          describe: "Say whether the relay and its Gateway are up, and exit (1 if not)",
        })
        .example("$0 chat --pair -", "pair this terminal: paste the fastclaw://pair?… link, then Enter")
        .example('$0 chat -m "hello" --json', "one message, the reply as JSON")
        .example("$0 chat --status", "is the relay online as the app sees it?"),
    run: async (args) => (await import("../actions/chat.js")).chatAction(ctx, args),
  });
}
