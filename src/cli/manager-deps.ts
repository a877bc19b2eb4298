/** Builds the service-manager dependencies from the CLI context (real runner unless a test injected one). */
import os from "node:os";
import type { ManagerDeps } from "../service/manager.js";
import { createExecaRunner } from "../service/runner.js";
import type { CliContext } from "./context.js";

export function managerDeps(ctx: CliContext): ManagerDeps {
  const { deps, env } = ctx;
  const result: ManagerDeps = {
    env,
    platform: deps.platform ?? process.platform,
    runner: deps.runner ?? createExecaRunner(env),
    uid: deps.uid ?? process.getuid?.() ?? 0,
    username: deps.username ?? env.USER ?? os.userInfo().username,
  };
  if (deps.nodePath) result.nodePath = deps.nodePath;
  if (deps.entryPath) result.entryPath = deps.entryPath;
  if (deps.settleMs !== undefined) result.settleMs = deps.settleMs;
  return result;
}
