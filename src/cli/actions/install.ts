/** `install`: checks the config is usable, writes the service definition if it changed, enables and starts it. */
import { loadConfig, requireRunnable } from "../../config/load.js";
import { createServiceManager } from "../../service/create.js";
import { EXIT, type CliContext } from "../context.js";
import { managerDeps } from "../manager-deps.js";

const CHANGE_WORDS = {
  created: "written",
  updated: "updated (it had changed)",
  rewritten: "rewritten (--force)",
  unchanged: "unchanged",
} as const;

export async function installAction(ctx: CliContext, args: { force: boolean }): Promise<number> {
  // A service whose config is unusable would exit 78 at once; say so now instead.
  const loaded = await loadConfig(ctx.env);
  requireRunnable(loaded);
  const manager = await createServiceManager(managerDeps(ctx));
  const outcome = await manager.install({ force: args.force });
  ctx.out(`Service file: ${outcome.file} (${CHANGE_WORDS[outcome.change]})`);
  ctx.out(`Service: ${manager.name} enabled, ${outcome.process}`);
  ctx.out("Check it with: fastclaw-relay status");
  for (const [key, variable] of Object.entries(loaded.overrides)) {
    ctx.err(`Note: ${variable} is set in this shell but the service does not see it; it uses \`${key}\` from ${loaded.file}.`);
  }
  for (const note of outcome.notes) ctx.err(note);
  return EXIT.OK;
}
