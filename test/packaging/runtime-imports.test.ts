/**
 * Shipped code (everything under src/) may import only Node's built-ins, the package's `dependencies`,
 * other shipped modules and convex/ at run time (type-only imports are erased and don't count). The
 * dev-only tools live in dev/ and are never reached from src/; src/ has no import cycles.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { ROOT } from "../chat/relay-cli.js";
import { importCycles, importsOf, typeScriptFiles } from "../support/import-graph.js";

const SRC = path.join(ROOT, "src");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const shipped = typeScriptFiles(SRC);

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const relative = (file: string) => path.relative(ROOT, file);

test("no shipped module imports a devDependency (or anything not in dependencies) at run time", () => {
  expect(shipped.length).toBeGreaterThan(50);
  expect(shipped.some((f) => f.endsWith(path.join("chat", "chat-link.ts")))).toBe(true);
  const offenders: string[] = [];
  for (const file of shipped) {
    for (const { specifier, typeOnly } of importsOf(file)) {
      if (typeOnly || specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
      const name = packageOf(specifier);
      if (!(name in pkg.dependencies)) offenders.push(`${relative(file)} imports ${specifier}${name in pkg.devDependencies ? " (a devDependency)" : ""}`);
    }
  }
  expect(offenders).toEqual([]);
});

test("src/ reaches only src/ and convex/: the dev-only tools in dev/ (and tests, bench, scripts) are never imported", () => {
  const allowed = [SRC, path.join(ROOT, "convex")].map((dir) => `${dir}${path.sep}`);
  const outside = shipped.flatMap((file) =>
    importsOf(file)
      .filter((edge) => edge.specifier.startsWith(".") && !(edge.target && allowed.some((dir) => edge.target!.startsWith(dir))))
      .map((edge) => `${relative(file)} imports ${edge.specifier}`),
  );
  expect(outside).toEqual([]);
});

test("src/ has no import cycles (type-only imports count: a reader follows them too)", () => {
  const cycles = importCycles(shipped, (file) => importsOf(file).flatMap((edge) => (edge.target ? [edge.target] : [])));
  expect(cycles.map((cycle) => cycle.map(relative).join(" → "))).toEqual([]);
});

/**
 * src/'s layers, lowest first. A module imports from its own layer and the ones below, never above
 * (type-only imports count: a reader follows them too): the config and the Gateway and Convex sides
 * know nothing of the bridge that joins them, nor the bridge of the commands that run it.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["json-values.ts", "relay-error.ts", "terminal-text.ts", "version.ts"],
  ["config"],
  ["convex-sync", "e2e", "gateway", "logging", "runtime"],
  ["app-client", "bridge", "pairing", "service", "status"],
  ["chat"],
  ["cli"],
];

test("layers point one way: no module of src/ imports from a layer above its own", () => {
  const layerOf = (file: string): number => {
    const top = path.relative(SRC, file).split(path.sep)[0]!;
    const layer = LAYERS.findIndex((names) => names.includes(top));
    if (layer < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS`);
    return layer;
  };
  const upward = shipped.flatMap((file) =>
    importsOf(file)
      .filter((edge) => edge.target?.startsWith(`${SRC}${path.sep}`) && layerOf(edge.target) > layerOf(file))
      .map((edge) => `${relative(file)} imports ${edge.specifier}`),
  );
  expect(upward).toEqual([]);
});
