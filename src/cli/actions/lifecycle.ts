/** `start`, `stop`, `restart`: one call each on the platform's service manager. */
import { createServiceManager } from "../../service/create.js";
import { EXIT, type CliContext } from "../context.js";
import { managerDeps } from "../manager-deps.js";

export async function lifecycleAction(ctx: CliContext, action: "start" | "stop" | "restart"): Promise<number> {
  const manager = await createServiceManager(managerDeps(ctx));
  const outcome = await manager[action]();
  ctx.out(outcome.message);
  for (const note of outcome.notes) ctx.err(note);
  return EXIT.OK;
}
