/** Counts the documents (and their bytes) a function reads through ctx.db, for benchmarks of read cost. */
import { convexToJson, type Value } from "convex/values";

/** Called with the documents one read returned (empty for a miss). */
export type ReadListener = (rows: number, bytes: number) => void;

// The query methods that run the query and hand documents to the function.
const TERMINALS: ReadonlySet<string | symbol> = new Set(["collect", "take", "first", "unique", "paginate"]);

function sizeOf(doc: unknown): number {
  // The documents' JSON size: what the function was handed, the measure Convex's own bandwidth figures use.
  return Buffer.byteLength(JSON.stringify(convexToJson(doc as Value)));
}

function report(listener: ReadListener, docs: readonly unknown[]): void {
  listener(docs.length, docs.reduce<number>((sum, doc) => sum + sizeOf(doc), 0));
}

function docsOf(method: string | symbol, result: unknown): unknown[] {
  if (method === "paginate") return (result as { page: unknown[] }).page;
  if (Array.isArray(result)) return result;
  return result === null || result === undefined ? [] : [result];
}

function isQueryLike(value: unknown): value is object {
  return typeof value === "object" && value !== null && typeof (value as { collect?: unknown }).collect === "function";
}

/** The query builder, with every step returning a counted builder and every terminal step counted. */
function countedQuery(query: object, listener: ReadListener): object {
  return new Proxy(query, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === Symbol.asyncIterator) {
        return () => {
          const inner = (value as () => AsyncIterator<unknown>).call(target);
          const counted: AsyncIterableIterator<unknown> = {
            next: async () => {
              const step = await inner.next();
              if (step.done !== true) report(listener, [step.value]);
              return step;
            },
            return: async (result?: unknown) => (inner.return ? await inner.return(result) : { done: true, value: result }),
            [Symbol.asyncIterator]: () => counted,
          };
          return counted;
        };
      }
      return (...args: unknown[]) => {
        // Called on the real builder: its own internal calls (first → take) are not counted twice.
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (TERMINALS.has(key) && result instanceof Promise) {
          return result.then((resolved: unknown) => {
            report(listener, docsOf(key, resolved));
            return resolved;
          });
        }
        return isQueryLike(result) ? countedQuery(result, listener) : result;
      };
    },
  });
}

interface DatabaseLike {
  get: (...args: unknown[]) => Promise<unknown>;
  query: (table: string) => object;
}

function isDatabaseLike(value: unknown): value is DatabaseLike {
  return typeof value === "object" && value !== null && typeof (value as DatabaseLike).get === "function" && typeof (value as DatabaseLike).query === "function";
}

/** A copy of a query/mutation ctx whose `db.get` and `db.query(…)` report what they return; an action's ctx as is. */
export function countingContext(ctx: unknown, listener: ReadListener): unknown {
  if (typeof ctx !== "object" || ctx === null) return ctx;
  const db = (ctx as { db?: unknown }).db;
  if (!isDatabaseLike(db)) return ctx;
  const counted: DatabaseLike = {
    ...db,
    get: async (...args: unknown[]) => {
      const doc = await db.get(...args);
      report(listener, docsOf("get", doc));
      return doc;
    },
    query: (table: string) => countedQuery(db.query(table), listener),
  };
  return { ...ctx, db: counted };
}
