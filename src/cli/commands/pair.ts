/** `fastclaw-relay pair`: shows a QR code the FastClaw app scans, and waits until it is claimed. */
import type { Argv } from "yargs";
import type { CliContext } from "../context.js";
import { defineCommand } from "../define-command.js";

export function pairCommand(ctx: CliContext) {
  return defineCommand(ctx, {
    command: "pair",
    describe: "Pair a phone: register this relay with Convex and show a one-time QR code",
    builder: (y: Argv) =>
      y
        .option("reset", {
          type: "boolean",
          default: false,
          describe: "Unpair every device and rotate this relay's secret first",
        })
        .option("yes", { alias: "y", type: "boolean", default: false, describe: "Do not ask for confirmation (--reset)" })
        .option("json", {
          type: "boolean",
          default: false,
          describe: "Print newline-delimited JSON events instead of the QR code",
        })
        .option("save", {
          type: "boolean",
          default: false,
          describe:
            "Also keep the events (events.jsonl) and the QR image (qr.png) in <state dir>/pairing (0700, files 0600); the first event says where",
        })
        .option("qr-file", {
          type: "string",
          describe: "Also write the QR code to this file (.png or .svg), created 0600; prefer --save for a private place",
          // coerce, not check: yargs 18 runs the handler even when a check fails.
          coerce: (file: string) => {
            if (!/\.(png|svg)$/i.test(file)) throw new Error("--qr-file must end in .png or .svg");
            return file;
          },
        })
        .option("convex-url", { type: "string", describe: "Convex deployment URL to save in the config (first pairing)" })
        .option("name", { type: "string", describe: "Name the app shows for this relay (default: the host name)" })
        .option("registration-key", {
          type: "string",
          describe: "The deployment's FASTCLAW_REGISTRATION_KEY, to register this relay the first time (or set that env var)",
        })
        .example("$0 pair --convex-url https://example.convex.cloud", "first pairing")
        .example("$0 pair --json --save", "for an agent: events and QR image in a private directory")
        .example("$0 pair --reset --yes", "unpair all phones, rotate the secret, pair again"),
    run: async (args) => (await import("../actions/pair.js")).pairAction(ctx, args),
  });
}
