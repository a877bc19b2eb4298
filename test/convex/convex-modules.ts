/** The `modules` map convex-test needs under jest (it has no `import.meta.glob` here): every file in convex/. */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const convexDir = fileURLToPath(new URL("../../convex/", import.meta.url));

export type ModuleMap = Record<string, () => Promise<Record<string, unknown>>>;

/**
 * Keys are absolute paths: convex-test strips everything up to the `_generated` directory, so "…/convex/app.ts"
 * becomes the module "app". Type declarations are skipped: there is nothing to import in them.
 */
export function convexModules(): ModuleMap {
  const modules: ModuleMap = {};
  for (const entry of readdirSync(convexDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith(".d.ts") || !/\.(ts|js)$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    modules[file] = () => import(file) as Promise<Record<string, unknown>>;
  }
  return modules;
}

/** Function modules (not helpers, schema or generated code) as Convex names them, e.g. "app" or "pairing". */
export function functionModuleNames(): string[] {
  return Object.keys(convexModules())
    .map((file) => path.relative(convexDir, file).replace(/\.(ts|js)$/, "").split(path.sep).join("/"))
    .filter((name) => !name.startsWith("_generated/") && !name.startsWith("lib/") && name !== "schema")
    .sort();
}

export type FunctionKind = "query" | "mutation" | "action";

export type ExportedFunction = {
  name: string;
  kind: FunctionKind;
  isPublic: boolean;
  args: { type: string; value?: Record<string, { optional: boolean }> };
  returns: unknown;
};

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs: () => string;
  exportReturns: () => string;
};

function isRegistered(value: unknown): value is Registered {
  return typeof value === "function" && "exportArgs" in value && "exportReturns" in value;
}

/** Every Convex function the modules export, read from the registered objects themselves. */
export async function exportedFunctions(): Promise<ExportedFunction[]> {
  const modules = convexModules();
  const found: ExportedFunction[] = [];
  for (const moduleName of functionModuleNames()) {
    const loader = Object.entries(modules).find(([file]) =>
      file.endsWith(`${path.sep}${moduleName.split("/").join(path.sep)}.ts`),
    )?.[1];
    if (loader === undefined) throw new Error(`no loader for ${moduleName}`);
    for (const [exportName, value] of Object.entries(await loader())) {
      if (!isRegistered(value)) continue;
      const kind: FunctionKind = value.isQuery ? "query" : value.isMutation ? "mutation" : "action";
      found.push({
        name: `${moduleName}:${exportName}`,
        kind,
        isPublic: value.isPublic === true,
        args: JSON.parse(value.exportArgs()) as ExportedFunction["args"],
        returns: JSON.parse(value.exportReturns()) as unknown,
      });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
