/** The local server's DatabaseFake index: same answers as plain convex-test on random workloads, only that instance patched, loud failures. */
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, jest, test } from "@jest/globals";
import { convexTest, type TestConvex } from "convex-test";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import { assertDatabaseFake, captureRootDatabase, type DatabaseFake } from "../../dev/local-convex/convex-test-internals.js";
import { installTableIndex } from "../../dev/local-convex/table-index.js";
import { useConvexTestFile } from "../convex/fixtures.js";
import {
  accelerate,
  GROUPS,
  KINDS,
  modules,
  NUMBERS,
  random,
  runRead,
  runWrite,
  schema,
  TAGS,
  type ItemFields,
  type Read,
  type Transaction,
  type Write,
} from "./table-index-ops.js";

type Backend = TestConvex<typeof schema>;
type Op =
  | { kind: "tx"; tx: Transaction }
  | { kind: "query"; reads: Read[] }
  | { kind: "paginate"; group: string | null; numItems: number; order: "asc" | "desc" };

const nestedRef = makeFunctionReference<"mutation", { writes: Write[]; reads: Read[]; fail: boolean }, Value[]>("ops:nested");

// Fake timers freeze Date.now, so both instances stamp the same _creationTime and commit ts at each step.
useConvexTestFile();
let clock = 1_700_000_000_000;

async function fastBackend(): Promise<{ t: Backend; db: DatabaseFake }> {
  const t = convexTest({ schema, modules });
  return { t, db: await accelerate(() => t.query(async () => null)) };
}

/** Random specs over the ids seen so far (deleted ones too: writing to them must fail alike). */
function generator(seed: number) {
  const next = random(seed);
  const ids: string[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const maybe = <T>(value: () => T, p = 0.5): T | null => (next() < p ? value() : null);
  const fields = (): ItemFields => {
    const f: ItemFields = { group: pick(GROUPS), n: pick(NUMBERS), meta: { kind: pick(KINDS) } };
    if (next() < 0.6) f.flag = next() < 0.5;
    const tag = next();
    if (tag < 0.3) f.tag = null;
    else if (tag < 0.7) f.tag = pick(TAGS);
    return f;
  };
  const id = (): string => (ids.length === 0 || next() < 0.05 ? "99999items" : pick(ids));
  const write = (): Write => {
    const r = next();
    if (r < 0.4 || ids.length === 0) return { kind: "insert", fields: fields() };
    if (r < 0.48) return { kind: "insertOther", group: pick(GROUPS) };
    if (r < 0.75) {
      const f = fields();
      const set: Partial<ItemFields> = {};
      if (next() < 0.5) set.group = f.group;
      if (next() < 0.5) set.n = f.n;
      if (next() < 0.3) set.meta = f.meta;
      if (next() < 0.3 && f.flag !== undefined) set.flag = f.flag;
      const unset = next() < 0.3 ? [pick(["flag", "tag"] as const)] : [];
      return { kind: "patch", id: id(), set, unset };
    }
    if (r < 0.85) return { kind: "replace", id: id(), fields: fields() };
    return { kind: "delete", id: id() };
  };
  const order = () => pick(["asc", "desc"] as const);
  const take = () => maybe(() => 1 + Math.floor(next() * 5));
  const read = (): Read => {
    const r = next();
    if (r < 0.3) {
      const lower = maybe(() => ({ op: pick(["gt", "gte"] as const), n: pick(NUMBERS) }));
      const upper = maybe(() => ({ op: pick(["lt", "lte"] as const), n: pick(NUMBERS) }));
      return { kind: "groupRange", group: pick(GROUPS), lower, upper, order: order(), take: take() };
    }
    if (r < 0.37) return { kind: "exactN", group: pick(GROUPS), n: pick(NUMBERS) };
    if (r < 0.45) return { kind: "flag", flag: pick([true, false, null]), group: maybe(() => pick(GROUPS)), order: order(), take: take() };
    if (r < 0.55) return { kind: "metaKind", metaKind: pick(KINDS), lower: maybe(() => ({ op: pick(["gt", "gte"] as const), n: pick(NUMBERS) })), order: order() };
    if (r < 0.65) return { kind: "tag", tag: pick([null, ...TAGS]), missing: next() < 0.3 };
    if (r < 0.77) return { kind: "scan", table: pick(["items", "items", "others"] as const), order: order(), take: take(), group: maybe(() => pick(GROUPS)) };
    if (r < 0.85) return { kind: "createdAfter", after: clock - Math.floor(next() * 30) + pick([0, 0.0005]), order: order(), take: take() };
    if (r < 0.9) return { kind: "otherGroup", group: pick(GROUPS) };
    return { kind: "get", id: id() };
  };
  const many = <T>(make: () => T, max: number): T[] => Array.from({ length: Math.floor(next() * (max + 1)) }, make);
  const op = (): Op => {
    const r = next();
    if (r < 0.6) {
      const nested = maybe(() => ({ writes: many(write, 4), reads: many(read, 3), fail: next() < 0.5 }), 0.35);
      return { kind: "tx", tx: { writes: many(write, 5), nested, reads: many(read, 4), failOuter: next() < 0.1 } };
    }
    if (r < 0.9) return { kind: "query", reads: many(read, 4) };
    return { kind: "paginate", group: maybe(() => pick(GROUPS)), numItems: 1 + Math.floor(next() * 4), order: order() };
  };
  /** Ids created by a result (inserts return them); later specs may target them. */
  const learn = (value: unknown): void => {
    if (typeof value === "string" && /^\d+items$/.test(value) && !ids.includes(value)) ids.push(value);
    else if (Array.isArray(value)) value.forEach(learn);
  };
  const tick = () => {
    clock += pick([0, 0, 1, 3]);
    jest.setSystemTime(clock);
  };
  return { op, learn, tick };
}

async function run(t: Backend, op: Op): Promise<unknown> {
  try {
    switch (op.kind) {
      case "tx":
        return await t.mutation(async (ctx) => {
          const { tx } = op;
          const results: Value[] = [];
          for (const w of tx.writes) results.push(await runWrite(ctx.db, w));
          if (tx.nested !== null) {
            try {
              results.push(await ctx.runMutation(nestedRef, tx.nested));
            } catch (error) {
              results.push({ nestedError: String(error) });
            }
          }
          for (const r of tx.reads) results.push(await runRead(ctx.db, r));
          if (tx.failOuter) throw new Error("outer rollback");
          return results;
        });
      case "query":
        return await t.query(async (ctx) => {
          const results: Value[] = [];
          for (const r of op.reads) results.push(await runRead(ctx.db, r));
          return results;
        });
      case "paginate": {
        const pages: unknown[] = [];
        let cursor: string | null = null;
        for (let i = 0; i < 100; i++) {
          const page = await t.query(async (ctx) => {
            const items = ctx.db.query("items");
            const group = op.group;
            const ranged = group === null ? items : items.withIndex("by_group_n", (q) => q.eq("group", group));
            return await ranged.order(op.order).paginate({ numItems: op.numItems, cursor });
          });
          pages.push(page);
          if (page.isDone) break;
          cursor = page.continueCursor;
        }
        return pages;
      }
    }
  } catch (error) {
    return { error: String(error) };
  }
}

const dump = (t: Backend) =>
  t.query(async (ctx) => ({
    items: await ctx.db.query("items").collect(),
    others: await ctx.db.query("others").collect(),
  }));

describe("table index equivalence with plain convex-test", () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])("random workload, seed %i", async (seed) => {
    const plain = convexTest({ schema, modules });
    await plain.query(async () => null);
    const { t: fast, db } = await fastBackend();
    expect(Object.hasOwn(db, "_iterateDocs")).toBe(true);
    const gen = generator(seed);
    for (let step = 0; step < 150; step++) {
      gen.tick();
      const op = gen.op();
      const expected = await run(plain, op);
      const actual = await run(fast, op);
      expect({ step, op, result: actual }).toEqual({ step, op, result: expected });
      gen.learn(expected);
    }
    expect(await dump(fast)).toEqual(await dump(plain));
  });

  test("a patch pending in the same mutation moves a doc between .eq buckets", async () => {
    const { t } = await fastBackend();
    const id = await t.mutation(async (ctx) => ctx.db.insert("items", { group: "a", n: 1, meta: { kind: "k1" } }));
    const seen = await t.mutation(async (ctx) => {
      const byGroup = (group: string) => ctx.db.query("items").withIndex("by_group_n", (q) => q.eq("group", group)).collect();
      await ctx.db.patch(id, { group: "b" });
      const moved = [(await byGroup("a")).length, (await byGroup("b")).length];
      await ctx.db.delete(id);
      return [...moved, (await byGroup("b")).length];
    });
    expect(seen).toEqual([0, 1, 0]);
    expect(await t.query(async (ctx) => ctx.db.query("items").collect())).toEqual([]);
  });

  test("an .eq query reads only its bucket and the pending writes", async () => {
    const { t, db } = await fastBackend();
    await t.mutation(async (ctx) => {
      for (let i = 0; i < 200; i++) await ctx.db.insert("items", { group: i % 50 === 0 ? "rare" : "common", n: i, meta: { kind: "k1" } });
    });
    const get = db.get;
    let reads = 0;
    db.get = function (this: DatabaseFake, ...args: Parameters<DatabaseFake["get"]>) {
      reads++;
      return get.apply(this, args);
    };
    const rows = await t.query(async (ctx) => ctx.db.query("items").withIndex("by_group_n", (q) => q.eq("group", "rare")).collect());
    expect(rows.map((row) => row.n)).toEqual([0, 50, 100, 150]);
    expect(reads).toBe(4);
  });
});

describe("reaching convex-test's DatabaseFake", () => {
  test("patches only the one instance and puts AsyncLocalStorage#run back", async () => {
    const run = Object.getOwnPropertyDescriptor(AsyncLocalStorage.prototype, "run");
    const { db } = await fastBackend();
    expect(Object.getOwnPropertyDescriptor(AsyncLocalStorage.prototype, "run")).toEqual(run);
    const other = convexTest({ schema, modules });
    const { db: otherDb, probe } = captureRootDatabase(() => other.query(async () => null));
    await probe;
    expect(otherDb).not.toBe(db);
    expect(Object.hasOwn(otherDb, "_iterateDocs")).toBe(false);
    expect(Object.hasOwn(otherDb, "commit")).toBe(false);
    expect(Object.getPrototypeOf(otherDb)).toBe(Object.getPrototypeOf(db));
    expect(() => installTableIndex(db)).toThrow(/already installed/);
  });

  test("fails loudly when no convexTest context is entered", () => {
    expect(() => captureRootDatabase(async () => null)).toThrow(/convex-test's internals .*no convexTest context/);
  });

  test("fails loudly when DatabaseFake's shape changes", () => {
    class Fake {
      _documents: Record<string, unknown> = {};
      _writes: unknown[] = [];
      get(id: string) {
        return this._documents[id];
      }
      insert() {
        return "1x";
      }
      commit() {
        delete this._documents["x"];
      }
      _iterateDocs() {
        return Object.keys(this._documents);
      }
      _resolveQuerySource() {
        return this._iterateDocs();
      }
      rollbackWrites() {}
      stashWrites() {}
      restoreWrites() {}
    }
    expect(() => assertDatabaseFake(new Fake())).not.toThrow();
    class Sneaky extends Fake {}
    Object.defineProperties(Sneaky.prototype, Object.getOwnPropertyDescriptors(Fake.prototype));
    Object.defineProperty(Sneaky.prototype, "compact", {
      value(this: Fake) {
        this._documents = {};
      },
    });
    expect(() => assertDatabaseFake(new Sneaky())).toThrow(/methods using _documents: \[_iterateDocs, commit, compact, get\]/);
    expect(() => assertDatabaseFake({ _documents: {}, _writes: [] })).toThrow(/db\.get is not a function/);
    expect(() => assertDatabaseFake(undefined)).toThrow(/convex-test's internals/);
  });
});
