/** The repository root, found from wherever the compiled bench runs (bench/.build/dist/bench/). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function find(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "fastclaw-relay") return dir;
    if (path.dirname(dir) === dir) throw new Error(`bench: no fastclaw-relay package.json above ${start}`);
  }
}

export const repoRoot = find(path.dirname(fileURLToPath(import.meta.url)));
