// @ts-check
/** The FastClaw plugin for OpenClaw: `openclaw fastclaw pair|status|install` and the `fastclaw.status` gateway method. */
import path from "node:path";
import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry";
import { relayStatus, runRelayInteractive } from "./relay-bin.js";
import { singleFlight } from "./status-cache.js";

const DESCRIPTION = "Pair the FastClaw app, check the relay's status, install the relay service";

/**
 * @param {import("commander").Command} program
 * @param {{ pluginDir?: string }} where
 */
function registerCommands(program, where) {
  /**
   * Runs the relay's own command and hands its exit code to the OpenClaw CLI.
   * @param {string[]} args
   */
  const delegate = async (args) => {
    const code = await runRelayInteractive(args, where);
    if (code !== 0) process.exitCode = code;
  };

  const fastclaw = program
    .command("fastclaw")
    .description(DESCRIPTION)
    .addHelpText("after", "\nEach subcommand runs `fastclaw-relay <subcommand>` (see `fastclaw-relay --help`).");

  fastclaw
    .command("pair")
    .description("Show a one-time QR code for the FastClaw app and wait until it is scanned")
    .option("--reset", "unpair every device and rotate the relay's secret first")
    .option("-y, --yes", "do not ask for confirmation (--reset)")
    .option("--json", "newline-delimited JSON events instead of the QR code")
    .option("--save", "also keep the events and the QR image in a private directory (the first event says where)")
    .option("--qr-file <file>", "also write the QR code to this .png or .svg file (created 0600)")
    .option("--convex-url <url>", "Convex deployment URL (first pairing)")
    .option("--name <name>", "name the app shows for this relay")
    .action(async (/** @type {Record<string, string | boolean | undefined>} */ opts) => {
      const args = ["pair"];
      if (opts.reset) args.push("--reset");
      if (opts.yes) args.push("--yes");
      if (opts.json) args.push("--json");
      if (opts.save) args.push("--save");
      if (typeof opts.qrFile === "string") args.push("--qr-file", opts.qrFile);
      if (typeof opts.convexUrl === "string") args.push("--convex-url", opts.convexUrl);
      if (typeof opts.name === "string") args.push("--name", opts.name);
      await delegate(args);
    });

  fastclaw
    .command("status")
    .description("Is the relay installed, running, connected to this Gateway and to Convex, paired?")
    .option("--json", "the same report as JSON (no secrets)")
    .option("--require-healthy", "exit 1 when something is down")
    .action(async (/** @type {Record<string, boolean | undefined>} */ opts) => {
      const args = ["status"];
      if (opts.json) args.push("--json");
      if (opts.requireHealthy) args.push("--require-healthy");
      await delegate(args);
    });

  fastclaw
    .command("install")
    .description("Run the relay as a user service (systemd on Linux, launchd on macOS)")
    .option("--force", "rewrite the service file and restart even if nothing changed")
    .action(async (/** @type {Record<string, boolean | undefined>} */ opts) => {
      await delegate(opts.force ? ["install", "--force"] : ["install"]);
    });
}

export default definePluginEntry({
  id: "fastclaw",
  name: "FastClaw",
  description: "Chat with this Gateway from the FastClaw phone app (fastclaw-relay).",
  register(api) {
    // OpenClaw may load a copy of this folder; rootDir is where it was installed from (inside the package).
    const pluginDir = api.rootDir ?? (api.source ? path.dirname(api.source) : undefined);
    const where = pluginDir ? { pluginDir } : {};
    api.registerCli(({ program }) => registerCommands(program, where), {
      descriptors: [{ name: "fastclaw", description: DESCRIPTION, hasSubcommands: true }],
    });
    // Every operator client may call this as often as it likes: one status process serves them all.
    const status = singleFlight(() => relayStatus(where));
    api.registerGatewayMethod(
      "fastclaw.status",
      async ({ respond }) => {
        const result = await status();
        if (result.ok) respond(true, { relay: result.report, binary: result.source });
        else respond(false, undefined, { code: result.code, message: result.message });
      },
      // Reads only the relay's own status report: no user or session state.
      { scope: "operator.read", profileAccess: "independent" },
    );
  },
});
