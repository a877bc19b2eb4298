/** The few convex-test internals the local server relies on, and how it reaches the root DatabaseFake of one instance. */
import { AsyncLocalStorage } from "node:async_hooks";
import type { JSONValue } from "convex/values";

/** A stored document as DatabaseFake keeps it (already a Convex value, with `_id`). */
export type StoredDoc = { readonly _id: string } & Record<string, unknown>;

/** One `withIndex` bound: `q.eq(fieldPath, value)` and friends, `value` in convex-encoded JSON. */
export interface RangeExpression {
  type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
  fieldPath: string;
  value: JSONValue;
}

/** The serialized query DatabaseFake receives from the `1.0/queryStream` / `1.0/queryPage` syscalls. */
export interface SerializedQuery {
  source:
    | { type: "FullTableScan"; tableName: string; order?: "asc" | "desc" | null }
    | { type: "IndexRange"; indexName: string; range: RangeExpression[]; order?: "asc" | "desc" | null }
    | { type: "Search"; indexName: string; filters: unknown[] };
  operators: unknown[];
}

/**
 * convex-test's DatabaseFake (not exported), as far as the local server uses it. Committed documents live in
 * `_documents` (id → doc); `_writes` holds one pending level per open (nested) transaction, a delete being null.
 */
export interface DatabaseFake {
  _documents: Record<string, StoredDoc>;
  _writes: Array<Record<string, StoredDoc | null>>;
  get(tableName: string | undefined, id: string): StoredDoc | null;
  /** Adds a document to the innermost pending level (validated against the schema); returns its new id. */
  insert(tableName: string, value: Record<string, unknown>): string;
  commit(commitTs?: bigint | null): void;
  _iterateDocs(tableName: string, callback: (doc: StoredDoc) => void): void;
  _resolveQuerySource(query: SerializedQuery): unknown;
}

/** The syscalls the `convex` runtime makes through `global.Convex` (JSON text in and out for async ones). */
export type AsyncSyscall = (op: string, jsonArgs: string) => Promise<string>;
export type JsSyscall = (op: string, args: Record<string, unknown>) => Promise<unknown>;

/**
 * What convexTest passes to its AsyncLocalStorage around every call; components[""] is the app's own database.
 * Its syscall properties are what `global.Convex` delegates to, read at each call: replacing them on this one
 * object changes this instance only.
 */
export interface ConvexGlobal {
  components: Record<string, { db: unknown }>;
  transactionManager: unknown;
  asyncSyscall: AsyncSyscall;
  jsSyscall: JsSyscall;
}

const ROOT_COMPONENT_PATH = "";
// commit is the only writer; get and _iterateDocs only read. Any other method could change _documents unseen.
const KNOWN_DOCUMENT_TOUCHERS = ["_iterateDocs", "commit", "get"].join(", ");
const REQUIRED_METHODS = ["get", "insert", "commit", "_iterateDocs", "_resolveQuerySource", "rollbackWrites", "stashWrites", "restoreWrites"];

function fail(detail: string): never {
  throw new Error(
    `local Convex server: convex-test's internals are not what its DatabaseFake speed-up expects (${detail}). ` +
      "Check dev/local-convex/convex-test-internals.ts against the installed convex-test.",
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isConvexGlobal(store: unknown): store is ConvexGlobal {
  return (
    isRecord(store) &&
    isRecord(store.components) &&
    "transactionManager" in store &&
    typeof store.asyncSyscall === "function" &&
    typeof store.jsSyscall === "function"
  );
}

/** Methods of the class whose source mentions `_documents` at all (a reader today may be a writer tomorrow). */
function documentTouchers(prototype: object): string[] {
  const names: string[] = [];
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (name === "constructor") continue;
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    const bodies = [descriptor?.value, descriptor?.get, descriptor?.set].filter((f): f is () => unknown => typeof f === "function");
    if (bodies.some((body) => Function.prototype.toString.call(body).includes("_documents"))) names.push(name);
  }
  return names.sort();
}

/**
 * Checks that `db` is a DatabaseFake as this module describes it. The index the local server keeps beside
 * `_documents` is only right if `commit` is the one method that changes it, so an unknown user is an error.
 */
export function assertDatabaseFake(db: unknown): asserts db is DatabaseFake {
  if (!isRecord(db)) fail("the root component has no db object");
  if (!isRecord(db._documents) || Array.isArray(db._documents)) fail("db._documents is not an object");
  if (!Array.isArray(db._writes)) fail("db._writes is not an array");
  for (const method of REQUIRED_METHODS) {
    if (typeof db[method] !== "function") fail(`db.${method} is not a function`);
  }
  const prototype = Object.getPrototypeOf(db) as object | null;
  if (prototype === null) fail("db has no prototype");
  const touchers = documentTouchers(prototype).join(", ");
  if (touchers !== KNOWN_DOCUMENT_TOUCHERS) fail(`methods using _documents: [${touchers}], expected [${KNOWN_DOCUMENT_TOUCHERS}]`);
  if (!/\bthis\._iterateDocs\(/.test(Function.prototype.toString.call(db._resolveQuerySource))) {
    fail("_resolveQuerySource no longer reads through _iterateDocs");
  }
}

/**
 * Reaches the root DatabaseFake of one convexTest instance. convexTest runs every accessor call inside
 * `convexGlobalStorage.run(convexGlobal, …)`, synchronously on entry, so AsyncLocalStorage#run is wrapped for
 * the duration of one synchronous call to note that store, then put back before anything else can run.
 * `call` makes one call on the instance (an inline query is the cheapest); its promise comes back as `probe`,
 * for the caller to await.
 */
export function captureRootDatabase(call: () => Promise<unknown>): { db: DatabaseFake; global: ConvexGlobal; probe: Promise<unknown> } {
  const prototype = AsyncLocalStorage.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(prototype, "run");
  const originalRun: unknown = descriptor?.value;
  if (descriptor === undefined || typeof originalRun !== "function" || descriptor.writable !== true) {
    fail("AsyncLocalStorage.prototype.run is not a writable method");
  }
  let captured: ConvexGlobal | undefined;
  const spy = function (this: unknown, store: unknown, ...rest: unknown[]): unknown {
    if (captured === undefined && isConvexGlobal(store)) captured = store;
    return (originalRun as (...args: unknown[]) => unknown).call(this, store, ...rest);
  };
  let probe: Promise<unknown>;
  Object.defineProperty(prototype, "run", { ...descriptor, value: spy });
  try {
    probe = call();
  } finally {
    Object.defineProperty(prototype, "run", descriptor);
  }
  try {
    if (captured === undefined) fail("no convexTest context was entered during a call");
    const db = captured.components[ROOT_COMPONENT_PATH]?.db;
    assertDatabaseFake(db);
    return { db, global: captured, probe };
  } catch (error) {
    // Leave no unhandled rejection behind the error that matters.
    probe.catch(() => undefined);
    throw error;
  }
}
