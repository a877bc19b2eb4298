/**
 * Shipped code must not need a devDependency at run time. Everything under src/ except the dev-only
 * tools (devkit, local-convex, trial: run from a checkout) may import only Node's built-ins and the
 * package's `dependencies`; type-only imports are erased and don't count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { ROOT } from "../chat/relay-cli.js";

const DEV_ONLY = ["devkit", "local-convex", "trial"];
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return DEV_ONLY.includes(entry.name) && dir === path.join(ROOT, "src") ? [] : files(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

test("no shipped module imports a devDependency (or anything not in dependencies) at run time", () => {
  const offenders: string[] = [];
  const shipped = files(path.join(ROOT, "src"));
  expect(shipped.length).toBeGreaterThan(50);
  expect(shipped.some((f) => f.endsWith(path.join("chat", "chat-link.ts")))).toBe(true);
  for (const file of shipped) {
    const text = readFileSync(file, "utf8");
    const specifiers = [
      ...[...text.matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/^\s*export\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
      const name = packageOf(specifier);
      if (!(name in pkg.dependencies)) offenders.push(`${path.relative(ROOT, file)} imports ${specifier}${name in pkg.devDependencies ? " (a devDependency)" : ""}`);
    }
  }
  expect(offenders).toEqual([]);
});

test("the dev-only tools are not reachable from the command line's modules", () => {
  const cli = files(path.join(ROOT, "src")).filter((f) => !f.includes(`${path.sep}app-client${path.sep}`));
  const reaching = cli.filter((file) => {
    const text = readFileSync(file, "utf8");
    return /from\s+"[^"]*\/(devkit|local-convex|trial)\/[^"]*"/.test(text.replace(/^\s*import\s+type\b[^;]*;/gm, ""));
  });
  expect(reaching.map((f) => path.relative(ROOT, f))).toEqual([]);
});
