/** Jest global setup for the unit project: a private temp dir for the run (see tmp-guard.ts). */
import { register } from "node:module";

export default async function globalSetup(): Promise<void> {
  // Loaded natively like global-setup.ts: "./x.js" must resolve to "./x.ts".
  register(new URL("./ts-resolve-hooks.mjs", import.meta.url));
  const { openTmpGuard } = await import("./tmp-guard.js");
  openTmpGuard();
}
