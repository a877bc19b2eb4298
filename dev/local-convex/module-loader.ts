/** Finds a Convex functions directory's modules (TypeScript under jest, compiled JS in dist) and instruments them. */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import { countingContext } from "./read-counter.js";

/** The map convex-test takes: "./messages.ts" → loader. One key must contain "_generated". */
export type ModuleMap = Record<string, () => Promise<unknown>>;

export type AnySchema = SchemaDefinition<GenericSchema, boolean>;

export type FunctionKind = "query" | "mutation" | "action";

export interface FunctionInfo {
  kind: FunctionKind;
  visibility: "public" | "internal";
}

/** Called each time a function handler starts, including nested ctx.run* calls and scheduled runs. */
export type ExecutionListener = (udfPath: string, kind: FunctionKind) => void;

/** Called with the documents (count, JSON bytes) each ctx.db read of a function returned. */
export type FunctionReadListener = (udfPath: string, rows: number, bytes: number) => void;

// When a directory holds both "x.ts" and "x.js" (someone compiled in place) the TypeScript source wins.
const EXTENSION_PREFERENCE = [".ts", ".mts", ".js", ".mjs"];

function isModuleFile(name: string): boolean {
  if (name.endsWith(".d.ts") || name.endsWith(".d.mts")) return false;
  if (/\.(test|spec)\.[mc]?[jt]s$/.test(name)) return false;
  return EXTENSION_PREFERENCE.includes(path.extname(name));
}

/** Lists a functions directory as a convex-test module map whose loaders use dynamic import. */
export function discoverModules(functionsDir: string): ModuleMap {
  const root = path.resolve(functionsDir);
  const chosen = new Map<string, string>(); // key without extension → relative file
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (isModuleFile(entry.name)) {
        const relative = path.relative(root, full).split(path.sep).join("/");
        const stem = relative.slice(0, -path.extname(relative).length);
        const previous = chosen.get(stem);
        const rank = (file: string) => EXTENSION_PREFERENCE.indexOf(path.extname(file));
        if (previous === undefined || rank(relative) < rank(previous)) chosen.set(stem, relative);
      }
    }
  };
  walk(root);
  const modules: ModuleMap = {};
  for (const relative of chosen.values()) {
    // A file URL works for plain Node and for jest's ESM loader (which transforms the .ts files).
    const url = pathToFileURL(path.join(root, relative)).href;
    modules[`./${relative}`] = () => import(url);
  }
  if (!Object.keys(modules).some((key) => key.includes("_generated/"))) {
    throw new Error(
      `No _generated directory in ${root}: run "npm run codegen" (and "npm run build" for dist/convex) first`,
    );
  }
  return modules;
}

/** The schema module's default export, when the map has a schema file. */
export async function loadSchema(modules: ModuleMap): Promise<AnySchema | undefined> {
  const key = Object.keys(modules).find((k) => /^\.\/schema\.[mc]?[jt]s$/.test(k));
  if (key === undefined) return undefined;
  const loaded = (await modules[key]!()) as { default?: AnySchema };
  return loaded.default;
}

/** The fields convex/server sets on a registered function object (registration_impl). */
interface RegisteredFunctionShape {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
  _handler: (ctx: unknown, args: unknown) => unknown;
}

function isRegisteredFunction(value: unknown): value is RegisteredFunctionShape {
  return (
    (typeof value === "function" || (typeof value === "object" && value !== null)) &&
    typeof (value as { _handler?: unknown })._handler === "function" &&
    ((value as RegisteredFunctionShape).isQuery === true ||
      (value as RegisteredFunctionShape).isMutation === true ||
      (value as RegisteredFunctionShape).isAction === true)
  );
}

function kindOf(fn: RegisteredFunctionShape): FunctionKind {
  return fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
}

/**
 * Loads modules once and hands convex-test copies whose function handlers report each execution.
 * Wrapping the handlers (not the calls) also counts runs the server never sees: nested
 * ctx.runMutation/runQuery from actions and scheduled functions.
 */
export class InstrumentedModules {
  private readonly loaded = new Map<string, Promise<Record<string, unknown>>>();
  private readonly stemToKey = new Map<string, string>();

  constructor(
    private readonly source: ModuleMap,
    private readonly onExecute: ExecutionListener,
    private readonly onRead?: FunctionReadListener,
  ) {
    for (const key of Object.keys(source)) {
      this.stemToKey.set(key.replace(/^\.\//, "").replace(/\.[^./]+$/, ""), key);
    }
  }

  /** The map to pass to convex-test. */
  moduleMap(): ModuleMap {
    const map: ModuleMap = {};
    for (const key of Object.keys(this.source)) map[key] = () => this.load(key);
    return map;
  }

  /** Whether a module with this path (no extension, e.g. "http") exists. */
  has(modulePath: string): boolean {
    return this.stemToKey.has(modulePath);
  }

  /** Kind and visibility of "module:export", or null when no such function is exported. */
  async describe(canonicalPath: string): Promise<FunctionInfo | null> {
    const colon = canonicalPath.lastIndexOf(":");
    const key = this.stemToKey.get(canonicalPath.slice(0, colon));
    if (key === undefined || key.includes("_generated/")) return null;
    const exported = (await this.load(key))[canonicalPath.slice(colon + 1)];
    if (!isRegisteredFunction(exported)) return null;
    return { kind: kindOf(exported), visibility: exported.isInternal ? "internal" : "public" };
  }

  private load(key: string): Promise<Record<string, unknown>> {
    let pending = this.loaded.get(key);
    if (pending === undefined) {
      pending = this.source[key]!().then((namespace) => this.instrument(key, namespace as Record<string, unknown>));
      // A module that failed to import (syntax error) is retried on the next call instead of cached.
      pending.catch(() => this.loaded.delete(key));
      this.loaded.set(key, pending);
    }
    return pending;
  }

  private instrument(key: string, namespace: Record<string, unknown>): Record<string, unknown> {
    const modulePath = key.replace(/^\.\//, "").replace(/\.[^./]+$/, "");
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(namespace)) {
      if (!isRegisteredFunction(value)) {
        copy[name] = value;
        continue;
      }
      const udfPath = `${modulePath}:${name}`;
      const kind = kindOf(value);
      const original = value._handler;
      // Module namespaces are frozen; a plain copy of the registered function's own fields is
      // what convex-test reads (isQuery/isMutation/..., exportArgs, exportReturns, _handler).
      copy[name] = {
        ...value,
        _handler: (ctx: unknown, args: unknown) => {
          this.onExecute(udfPath, kind);
          const onRead = this.onRead;
          return original(onRead ? countingContext(ctx, (rows, bytes) => onRead(udfPath, rows, bytes)) : ctx, args);
        },
      };
    }
    return copy;
  }
}
