/** The installed fastclaw-relay package's root directory (holds bin/, packaging/), found from this module. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  // src/service/ (tests) and dist/src/service/ (the binary) sit at different depths below the root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const parsed = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (parsed.name === "fastclaw-relay") return (cached = dir);
    } catch {
      // keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error("cannot find the fastclaw-relay package root (no package.json named fastclaw-relay above this module)");
    dir = parent;
  }
}
