/** Reads the import statements of a TypeScript tree: what each module imports, resolved to files where relative. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface ImportEdge {
  specifier: string;
  /** The imported file, for a relative specifier (`./x.js` → `./x.ts`, `./dir/index.ts`). */
  target?: string;
  /** `import type` / `export type`: erased when compiled, but still a dependency a reader follows. */
  typeOnly: boolean;
}

export function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  // convex/_generated ships as plain .js with .d.ts beside it.
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, path.join(base, "index.ts"), base.replace(/\.js$/, ".d.ts")];
  return candidates.find((file) => /\.(ts|js)$/.test(file) && existsSync(file));
}

/** Static imports and re-exports (the `type` keyword noted) and literal dynamic `import("…")`s. */
export function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, "utf8");
  const found: Array<{ specifier: string; typeOnly: boolean }> = [
    ...[...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)].map((m) => ({ specifier: m[3]!, typeOnly: m[2] !== undefined })),
    ...[...text.matchAll(/^\s*import\s+"([^"]+)"/gm)].map((m) => ({ specifier: m[1]!, typeOnly: false })),
    ...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => ({ specifier: m[1]!, typeOnly: false })),
  ];
  return found.map(({ specifier, typeOnly }) => {
    const target = specifier.startsWith(".") ? resolveRelative(file, specifier) : undefined;
    return target ? { specifier, target, typeOnly } : { specifier, typeOnly };
  });
}

/** Every import cycle among `modules` (each reported once, as a path that returns to its start). */
export function importCycles(modules: string[], edges: (file: string) => string[]): string[][] {
  const inTree = new Set(modules);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of edges(file)) {
      if (!inTree.has(next)) continue;
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...modules].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
