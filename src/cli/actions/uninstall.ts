/** `uninstall`: stops and disables the service and removes its definition; the config stays. */
import { createServiceManager } from "../../service/create.js";
import { EXIT, type CliContext } from "../context.js";
import { managerDeps } from "../manager-deps.js";

export async function uninstallAction(ctx: CliContext): Promise<number> {
  const manager = await createServiceManager(managerDeps(ctx));
  const outcome = await manager.uninstall();
  ctx.out(outcome.message);
  for (const note of outcome.notes) ctx.out(note);
  return EXIT.OK;
}
