/** Jest global setup for the e2e project: a private TMPDIR (tmp-guard.ts), one stub model + one real Gateway for the whole run. */
import { register } from "node:module";
import type { E2eHarness } from "./e2e-harness.js";

declare global {
  // Read by global-teardown.ts (same process; test files cannot see it).
  var __fastclawE2eHarness: E2eHarness | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (line: string) => {
    if (process.env.FASTCLAW_E2E_VERBOSE) process.stderr.write(`[e2e] ${line}\n`);
  };
  // Jest imports this file natively (Node strips the types), so its own imports must resolve
  // natively too: teach Node that "./x.js" means "./x.ts" here, then load the harness.
  register(new URL("./ts-resolve-hooks.mjs", import.meta.url));
  // First, so the harness's own temp dirs are inside the run's private TMPDIR too.
  const { openTmpGuard } = await import("./tmp-guard.js");
  openTmpGuard();
  const { startE2eHarness } = await import("./e2e-harness.js");
  const harness = await startE2eHarness(log);
  globalThis.__fastclawE2eHarness = harness;
  // If jest dies without teardown, don't leave a 1 GB Gateway behind.
  process.once("exit", () => {
    const pid = harness.gateway.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  process.stderr.write(
    `\n[e2e] Gateway ${harness.info.gatewayUrl} ready in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(state ${harness.info.gatewayStateDir}, control ${harness.info.controlUrl})\n`,
  );
}
