/** Runs a project's Convex functions on convex-test's in-memory backend, with wire-format args, results and errors. */
import { convexTest, type TestConvex, type TestConvexForDataModel } from "convex-test";
import {
  makeFunctionReference,
  type DataModelFromSchemaDefinition,
  type FunctionReference,
  type UserIdentity,
} from "convex/server";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { CallerAuth } from "./caller-auth.js";
import { captureRootDatabase } from "./convex-test-internals.js";
import { withDeploymentEnv, type DeploymentEnv } from "./deployment-env.js";
import { ScheduledTimers } from "./scheduled-timers.js";
import type { FileStore } from "./file-store.js";
import type { AnySchema, FunctionInfo, FunctionKind, InstrumentedModules } from "./module-loader.js";
import { canonicalizeUdfPath } from "./sync-protocol.js";
import { installFileStorage, type LocalFileStorage } from "./storage-syscalls.js";
import { installTableIndex } from "./table-index.js";

export type FunctionOutcome =
  | { success: true; value: JSONValue }
  | { success: false; errorMessage: string; errorData?: JSONValue };

type Backend = TestConvex<AnySchema>;
type Accessor = TestConvexForDataModel<DataModelFromSchemaDefinition<AnySchema>>;
type ArgsObject = Record<string, Value>;

// ConvexError marks itself with this symbol; checking it (not instanceof) also works when the
// project's functions resolved a different copy of the convex package.
const CONVEX_ERROR = Symbol.for("ConvexError");

function isConvexError(error: unknown): error is Error & { data: Value } {
  return error instanceof Error && CONVEX_ERROR in error;
}

function describeError(error: unknown): FunctionOutcome {
  if (isConvexError(error)) {
    return {
      success: false,
      // Like a dev deployment: the message names the error; clients read the payload from errorData.
      errorMessage: `Uncaught ConvexError: ${error.message}`,
      errorData: convexToJson(error.data),
    };
  }
  if (error instanceof Error) return { success: false, errorMessage: `Uncaught ${error.name}: ${error.message}` };
  return { success: false, errorMessage: `Uncaught ${String(error)}` };
}

/** Args arrive as `[object]` in convex_encoded_json; anything else is a client error. */
function decodeArgs(args: JSONValue[] | JSONValue): ArgsObject {
  const first = Array.isArray(args) ? (args.length === 0 ? {} : args[0]) : args;
  if (Array.isArray(args) && args.length > 1) throw new Error("Expected a single argument object");
  const value = jsonToConvex(first ?? {});
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof ArrayBuffer) {
    throw new Error("The arguments to a Convex function must be an object");
  }
  return value as ArgsObject;
}

export class FunctionRunner {
  private readonly timers = new ScheduledTimers();

  private constructor(
    private readonly modules: InstrumentedModules,
    private readonly backend: Backend,
    private readonly deploymentEnv: () => DeploymentEnv,
    /** Uploads and file URLs (see storage-syscalls.ts). */
    readonly storage: LocalFileStorage,
    private readonly tableNames: readonly string[] = [],
  ) {}

  /**
   * A runner over a fresh convex-test backend whose database reads only the queried table (see table-index.ts):
   * convex-test alone scans every document on every query, so each write would cost O(database size).
   * File storage keeps its bytes in `files`. Throws when convex-test's internals don't match what that index relies on.
   */
  static async create(
    modules: InstrumentedModules,
    schema: AnySchema | undefined,
    deploymentEnv: () => DeploymentEnv,
    files: FileStore,
    onError: (message: string, error: unknown) => void,
  ): Promise<FunctionRunner> {
    const backend = convexTest({ schema, modules: modules.moduleMap() });
    const { db, global, probe } = captureRootDatabase(() => backend.query(async () => null));
    installTableIndex(db);
    const storage = installFileStorage({
      global,
      db,
      files,
      cloudUrl: () => deploymentEnv().CONVEX_CLOUD_URL,
      inTransaction: (write) => backend.run(async () => await write()),
      onError,
    });
    await probe;
    return new FunctionRunner(modules, backend, deploymentEnv, storage, Object.keys(schema?.tables ?? {}));
  }

  /** Every document of every table (and the scheduler's), as stored: for tests that check what the backend holds. */
  async dumpTables(): Promise<Record<string, unknown[]>> {
    return await this.backend.run(async (ctx) => {
      const out: Record<string, unknown[]> = {};
      for (const name of this.tableNames) out[name] = await ctx.db.query(name as never).collect();
      out._scheduled_functions = await ctx.db.system.query("_scheduled_functions").collect();
      return out;
    });
  }

  /** Kind and visibility of a function, or null when it does not exist. */
  describe(udfPath: string): Promise<FunctionInfo | null> {
    return this.modules.describe(canonicalizeUdfPath(udfPath));
  }

  /**
   * Runs a function the way a client call would. `expected` is the kind the client asked for
   * ("any" for /api/function); internal functions are reachable with admin auth only.
   */
  async call(
    expected: FunctionKind | "any",
    udfPath: string,
    args: JSONValue[] | JSONValue,
    auth: CallerAuth,
  ): Promise<FunctionOutcome & { kind?: FunctionKind }> {
    const path = canonicalizeUdfPath(udfPath);
    let info: FunctionInfo | null;
    try {
      info = await this.describe(path);
    } catch (error) {
      // A module that fails to import (syntax error, bad import) fails the call, not the server.
      return { success: false, errorMessage: `Failed to load the module of ${path}: ${String(error)}` };
    }
    if (info === null || (info.visibility === "internal" && auth.kind !== "admin")) {
      return {
        success: false,
        errorMessage: `Could not find public function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      };
    }
    if (expected !== "any" && info.kind !== expected) {
      return {
        success: false,
        errorMessage: `Trying to execute ${path} as ${expected}, but it is defined as ${info.kind}.`,
      };
    }
    try {
      const value = await this.timers.run(() => withDeploymentEnv(this.deploymentEnv(), () => this.invoke(info.kind, path, decodeArgs(args), auth)));
      return { success: true, value: convexToJson(value === undefined ? null : value), kind: info.kind };
    } catch (error) {
      return { ...describeError(error), kind: info.kind };
    }
  }

  /** Whether the functions define HTTP actions (an `http` module whose default export is the router). */
  hasHttpRouter(): boolean {
    return this.modules.has("http");
  }

  /**
   * Runs the HTTP action routed for `pathAndQuery` (e.g. "/pair?x=1"), as the deployment's site URL would.
   * Unrouted paths get convex-test's 404; a handler that throws is the caller's 500.
   */
  async fetch(pathAndQuery: string, init: RequestInit): Promise<Response> {
    return await this.timers.run(() => withDeploymentEnv(this.deploymentEnv(), () => this.backend.fetch(pathAndQuery, init)));
  }

  /** The latest commit timestamp (ns). It moves on every committed mutation, including scheduled ones. */
  async snapshotTs(): Promise<bigint> {
    return await this.backend.query(async (ctx) => ctx.meta.getSnapshotTs());
  }

  /** Cancels pending scheduled functions so no project code runs after the server stops, and clears their timers. */
  async cancelScheduled(): Promise<number> {
    this.timers.clear();
    return await this.backend.run(async (ctx) => {
      const jobs = await ctx.db.system.query("_scheduled_functions").collect();
      const pending = jobs.filter((job) => job.state.kind === "pending");
      for (const job of pending) await ctx.scheduler.cancel(job._id);
      return pending.length;
    });
  }

  private accessor(auth: CallerAuth): Accessor {
    const identity: UserIdentity | null = auth.kind === "none" ? null : auth.identity;
    return identity === null ? this.backend : this.backend.withIdentity(identity);
  }

  private async invoke(kind: FunctionKind, path: string, args: ArgsObject, auth: CallerAuth): Promise<Value | undefined> {
    const t = this.accessor(auth);
    switch (kind) {
      case "query":
        return await t.query(makeFunctionReference<"query">(path) as FunctionReference<"query">, args);
      case "mutation":
        return await t.mutation(makeFunctionReference<"mutation">(path) as FunctionReference<"mutation">, args);
      case "action":
        return await t.action(makeFunctionReference<"action">(path) as FunctionReference<"action">, args);
    }
  }
}
