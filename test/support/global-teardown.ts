/** Jest global teardown for the e2e project: stop the shared Gateway, keep its logs in .test-artifacts/, check temp dirs. */
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";

export default async function globalTeardown(_globalConfig?: unknown, projectConfig?: { rootDir?: string }): Promise<void> {
  try {
    await stopHarness(projectConfig);
  } finally {
    // Last: the harness's run dir is gone by now, so whatever is left was left by a test.
    const { closeTmpGuard } = await import("./tmp-guard.js");
    closeTmpGuard();
  }
}

async function stopHarness(projectConfig?: { rootDir?: string }): Promise<void> {
  const harness = globalThis.__fastclawE2eHarness;
  if (!harness) return;
  globalThis.__fastclawE2eHarness = undefined;
  // Loaded natively like global-setup.ts (whose resolve hook is still registered in this process).
  const { stopE2eHarness } = await import("./e2e-harness.js");
  // The Chromium a browser test started for this run (test/support/browser.ts), if any.
  const { stopSharedBrowser } = await import("./browser-process.js");
  await stopSharedBrowser(harness.info.runDir);
  await stopE2eHarness(harness);
  // Keep the Gateway's logs (they explain most e2e failures); drop the rest of its throwaway state.
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const keep = path.resolve(projectConfig?.rootDir ?? process.cwd(), ".test-artifacts", `gateway-${stamp}`);
  await mkdir(keep, { recursive: true });
  await cp(path.join(harness.info.gatewayStateDir, "logs"), keep, { recursive: true }).catch(() => {});
  process.stderr.write(`[e2e] Gateway logs kept in ${keep}\n`);
  await rm(harness.info.runDir, { recursive: true, force: true }).catch(() => {});
}
