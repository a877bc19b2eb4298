/** `start`, `stop`, `restart`, `uninstall`: one call each on the platform's service manager (uninstall keeps the config). */
import { createServiceManager } from "../../service/create.js";
import { EXIT, type CliContext } from "../context.js";
import { managerDeps } from "../manager-deps.js";

export type LifecycleAction = "start" | "stop" | "restart" | "uninstall";

export async function lifecycleAction(ctx: CliContext, action: LifecycleAction): Promise<number> {
  const manager = await createServiceManager(managerDeps(ctx));
  const outcome = await manager[action]();
  ctx.out(outcome.message);
  // uninstall's notes say what was left behind (the config): part of its answer, so on stdout.
  for (const note of outcome.notes) (action === "uninstall" ? ctx.out : ctx.err)(note);
  return EXIT.OK;
}
