/** `pair`: runs the pairing sequence and presents it: QR code + countdown for people, NDJSON for --json. */
import { existsSync } from "node:fs";
import { CONFIG_PROPERTIES } from "../../config/schema.js";
import { validateAgainst } from "../../config/validate.js";
import { runPairing, type PairEvent } from "../../pairing/pair-flow.js";
import { openPairFiles } from "../../pairing/pair-files.js";
import { terminalQr, writeQrFile } from "../../pairing/qr.js";
import { launchdPlistPath } from "../../service/launchd.js";
import { systemdUnitPath } from "../../service/systemd.js";
import { EXIT, UsageError, type CliContext } from "../context.js";
import { confirm } from "../prompt.js";
import { interruptSignal } from "../signals.js";
import { terminalJson, terminalLine } from "../../terminal-text.js";

/** What `pair` reads from its command line (camelCased by yargs). */
export interface PairOptions {
  reset: boolean;
  yes: boolean;
  json: boolean;
  save: boolean;
  qrFile?: string | undefined;
  convexUrl?: string | undefined;
  name?: string | undefined;
  registrationKey?: string | undefined;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

interface Printer {
  event(event: PairEvent): Promise<void>;
  stop(): void;
}

function jsonPrinter(ctx: CliContext, qrFile: string | undefined): Printer {
  return {
    async event(event) {
      if (event.event === "pairing" && qrFile) await writeQrFile(qrFile, event.webUrl ?? event.payload);
      ctx.out(terminalJson(event));
    },
    stop() {},
  };
}

function humanPrinter(ctx: CliContext, qrFile: string | undefined, now: () => number): Printer {
  let timer: NodeJS.Timeout | undefined;
  const tty = ctx.stdout.isTTY === true;
  return {
    async event(event) {
      switch (event.event) {
        case "reset":
          ctx.out(
            event.nothingToReset
              ? "Nothing to reset: this relay was not registered yet."
              : `Reset: ${event.revokedDevices} device(s) unpaired; this relay now has a new secret.`,
          );
          break;
        case "registered":
          ctx.out(
            `${event.created ? "Registered" : "Relay"} "${event.name}" (instance ${event.instanceId}) on ${event.convexUrl}`,
          );
          break;
        case "pairing": {
          // The QR holds the web app's link when there is one: any phone camera opens it.
          const scanned = event.webUrl ?? event.payload;
          if (qrFile) await writeQrFile(qrFile, scanned);
          ctx.out(event.webUrl ? "Scan this QR code with your phone's camera (it opens the FastClaw web app):\n" : "Scan this QR code with the FastClaw app:\n");
          ctx.out(await terminalQr(scanned));
          if (event.webUrl) ctx.out(`Or open this link on the phone:\n  ${event.webUrl}\n`);
          ctx.out(`Or paste this code into the FastClaw app:\n  ${event.payload}\n`);
          if (event.webNote) ctx.err(`No web app link: ${event.webNote}.`);
          if (qrFile) ctx.out(`QR code also written to ${qrFile}`);
          if (tty) {
            // One line rewritten in place every second.
            const tick = () => ctx.stdout.write(`\rExpires in ${clock(event.expiresAt - now())}  (Ctrl-C to cancel) `);
            tick();
            timer = setInterval(tick, 1000);
          } else {
            ctx.out(
              `Expires in ${clock(event.expiresAt - now())} (at ${new Date(event.expiresAt).toLocaleTimeString()}). Waiting for the app…`,
            );
          }
          break;
        }
        default:
          break;
      }
    },
    stop() {
      if (timer) {
        clearInterval(timer);
        ctx.stdout.write("\r\x1b[K");
      }
    },
  };
}

function nextStep(ctx: CliContext): string {
  const platform = ctx.deps.platform ?? process.platform;
  const file = platform === "darwin" ? launchdPlistPath(ctx.env) : platform === "linux" ? systemdUnitPath(ctx.env) : undefined;
  if (file && existsSync(file)) return "The service picks the pairing up by itself; if it is not running: fastclaw-relay restart";
  return "Next: fastclaw-relay install   (runs the relay as a service)";
}

export async function pairAction(ctx: CliContext, args: PairOptions): Promise<number> {
  const url = args.convexUrl;
  if (url !== undefined) {
    const issue = validateAgainst(url, CONFIG_PROPERTIES.convexUrl, "convexUrl")[0];
    if (issue) throw new UsageError(`--convex-url ${issue.problem}`);
  }
  if (args.reset && !args.yes) {
    if (!ctx.stdin.isTTY) {
      throw new UsageError(
        "--reset unpairs every device and rotates this relay's secret; there is no terminal to confirm on, so pass --yes to do it.",
      );
    }
    if (!(await confirm(ctx, "This unpairs every phone from this relay and gives it a new secret. Continue?"))) {
      ctx.err("Cancelled; nothing was changed.");
      return EXIT.FAILURE;
    }
  }
  const now = ctx.deps.now ?? Date.now;
  const printer = args.json ? jsonPrinter(ctx, args.qrFile) : humanPrinter(ctx, args.qrFile, now);
  const files = args.save ? await openPairFiles(ctx.env) : undefined;
  if (files && args.json) ctx.out(terminalJson(files.where));
  else if (files) ctx.err(`Pairing code and QR image go to ${files.where.dir} (only you can read them); the image is deleted when the code is done.`);
  const interrupt = interruptSignal(ctx.deps.signal);
  let outcome;
  try {
    outcome = await runPairing({
      env: ctx.env,
      reset: args.reset,
      signal: interrupt.signal,
      onEvent: async (event) => {
        await files?.event(event);
        await printer.event(event);
      },
      ...(url !== undefined ? { convexUrl: url } : {}),
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.registrationKey !== undefined ? { registrationKey: args.registrationKey } : {}),
    });
    await files?.close({ status: outcome.status });
  } catch (error) {
    await files?.close({ error }).catch(() => undefined);
    throw error;
  } finally {
    printer.stop();
    interrupt.dispose();
  }
  switch (outcome.status) {
    case "claimed":
      if (!args.json) {
        // Both chosen by whoever claimed the code.
        ctx.out(`Paired with "${terminalLine(outcome.device.name)}" (${terminalLine(outcome.device.platform)}).`);
        ctx.err(nextStep(ctx));
      }
      return EXIT.OK;
    case "expired":
      ctx.err("The pairing code expired before the app claimed it. Run `fastclaw-relay pair` again for a new one.");
      return EXIT.FAILURE;
    case "replaced":
      ctx.err("This pairing code was replaced by a newer one (is another `fastclaw-relay pair` running?).");
      return EXIT.FAILURE;
    case "revoked":
      ctx.err("This pairing code was revoked (was `fastclaw-relay pair --reset` run elsewhere?).");
      return EXIT.FAILURE;
    case "aborted":
      ctx.err(
        outcome.withdrawn
          ? "Cancelled; the pairing code was withdrawn and can no longer be used."
          : `Cancelled, but the pairing code could not be withdrawn (${outcome.problem}); it stays valid until ${new Date(outcome.expiresAt).toLocaleTimeString()}.`,
      );
      return EXIT.FAILURE;
    case "cancelled":
      ctx.err("This pairing code was withdrawn (by another `fastclaw-relay pair` on the way out).");
      return EXIT.FAILURE;
    case "error":
      ctx.err(`fastclaw-relay: watching the pairing code failed: ${terminalLine(outcome.message)}`);
      return EXIT.FAILURE;
  }
}
