/** The relay's own version, read once from package.json so every report names the same one. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

function findPackageJson(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, "package.json");
    try {
      const parsed = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (parsed.name === "fastclaw-relay" && typeof parsed.version === "string") return parsed.version;
    } catch {
      // keep walking up: dist/src/ and src/ sit at different depths below the package root
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "0.0.0";
    dir = parent;
  }
}

export const RELAY_VERSION: string = findPackageJson(path.dirname(fileURLToPath(import.meta.url)));
