/** Random reads and writes for the table-index equivalence test: a small schema and specs runnable on any convexTest instance. */
import {
  defineSchema,
  defineTable,
  mutationGeneric,
  type DataModelFromSchemaDefinition,
  type GenericDatabaseReader,
  type GenericDatabaseWriter,
} from "convex/server";
import { v, type GenericId, type Value } from "convex/values";
import { captureRootDatabase, type DatabaseFake } from "../../dev/local-convex/convex-test-internals.js";
import { installTableIndex } from "../../dev/local-convex/table-index.js";
import { seededRandom } from "../../dev/devkit/seeded-random.js";

export const schema = defineSchema({
  items: defineTable({
    group: v.string(),
    n: v.number(),
    flag: v.optional(v.boolean()),
    tag: v.optional(v.union(v.string(), v.null())),
    meta: v.object({ kind: v.string() }),
  })
    .index("by_group_n", ["group", "n"])
    .index("by_flag_group", ["flag", "group"])
    .index("by_kind_n", ["meta.kind", "n"])
    .index("by_tag", ["tag"]),
  others: defineTable({ group: v.string() }).index("by_group", ["group"]),
});

type DataModel = DataModelFromSchemaDefinition<typeof schema>;
type Reader = GenericDatabaseReader<DataModel>;
type Writer = GenericDatabaseWriter<DataModel>;
type ItemId = GenericId<"items">;
type Order = "asc" | "desc";

export interface ItemFields {
  group: string;
  n: number;
  flag?: boolean;
  tag?: string | null;
  meta: { kind: string };
}

export type Lower = { op: "gt" | "gte"; n: number };
export type Upper = { op: "lt" | "lte"; n: number };

export type Read =
  | { kind: "groupRange"; group: string; lower: Lower | null; upper: Upper | null; order: Order; take: number | null }
  | { kind: "exactN"; group: string; n: number }
  | { kind: "flag"; flag: boolean | null; group: string | null; order: Order; take: number | null }
  | { kind: "metaKind"; metaKind: string; lower: Lower | null; order: Order }
  | { kind: "tag"; tag: string | null; missing: boolean }
  | { kind: "scan"; table: "items" | "others"; order: Order; take: number | null; group: string | null }
  | { kind: "createdAfter"; after: number; order: Order; take: number | null }
  | { kind: "otherGroup"; group: string }
  | { kind: "get"; id: string };

export type Write =
  | { kind: "insert"; fields: ItemFields }
  | { kind: "insertOther"; group: string }
  | { kind: "patch"; id: string; set: Partial<ItemFields>; unset: Array<"flag" | "tag"> }
  | { kind: "replace"; id: string; fields: ItemFields }
  | { kind: "delete"; id: string };

/** Writes then reads in one mutation; `nested` runs through ctx.runMutation and may throw to roll back. */
export interface Transaction {
  writes: Write[];
  nested: { writes: Write[]; reads: Read[]; fail: boolean } | null;
  reads: Read[];
  failOuter: boolean;
}

export const GROUPS = ["a", "b", "c", "d"];
export const KINDS = ["k1", "k2", "k3"];
export const NUMBERS = [-2, -0, 0, 1, 1.5, 2, 3, 7];
export const TAGS = ["x", "y"];

/** Deterministic, so a failing seed reproduces. */
export const random = seededRandom;

function limited<T>(query: { take(n: number): Promise<T[]>; collect(): Promise<T[]> }, take: number | null): Promise<T[]> {
  return take === null ? query.collect() : query.take(take);
}

/** Runs one read; results are plain Convex values so the two instances' answers compare with toEqual. */
export async function runRead(db: Reader, read: Read): Promise<Value> {
  switch (read.kind) {
    case "groupRange": {
      const { lower, upper } = read;
      const query = db.query("items").withIndex("by_group_n", (q) => {
        const eq = q.eq("group", read.group);
        if (lower === null) return upper === null ? eq : upper.op === "lt" ? eq.lt("n", upper.n) : eq.lte("n", upper.n);
        const low = lower.op === "gt" ? eq.gt("n", lower.n) : eq.gte("n", lower.n);
        return upper === null ? low : upper.op === "lt" ? low.lt("n", upper.n) : low.lte("n", upper.n);
      });
      return await limited(query.order(read.order), read.take);
    }
    case "exactN":
      return await db
        .query("items")
        .withIndex("by_group_n", (q) => q.eq("group", read.group).eq("n", read.n))
        .collect();
    case "flag": {
      const query = db.query("items").withIndex("by_flag_group", (q) => {
        const r = q.eq("flag", read.flag ?? undefined);
        return read.group === null ? r : r.eq("group", read.group);
      });
      return await limited(query.order(read.order), read.take);
    }
    case "metaKind": {
      const { lower } = read;
      return await db
        .query("items")
        .withIndex("by_kind_n", (q) => {
          const eq = q.eq("meta.kind", read.metaKind);
          return lower === null ? eq : lower.op === "gt" ? eq.gt("n", lower.n) : eq.gte("n", lower.n);
        })
        .order(read.order)
        .collect();
    }
    case "tag":
      return await db
        .query("items")
        .withIndex("by_tag", (q) => q.eq("tag", read.missing ? undefined : read.tag))
        .collect();
    case "scan": {
      const group = read.group;
      if (read.table === "others") {
        const base = db.query("others").order(read.order);
        return await limited(group === null ? base : base.filter((q) => q.eq(q.field("group"), group)), read.take);
      }
      const base = db.query("items").order(read.order);
      return await limited(group === null ? base : base.filter((q) => q.eq(q.field("group"), group)), read.take);
    }
    case "createdAfter":
      return await limited(db.query("items").withIndex("by_creation_time", (q) => q.gt("_creationTime", read.after)).order(read.order), read.take);
    case "otherGroup":
      return await db.query("others").withIndex("by_group", (q) => q.eq("group", read.group)).collect();
    case "get":
      return await db.get(read.id as ItemId);
  }
}

/** Applies one write; errors (patching a deleted doc…) are results too, so both instances must fail alike. */
export async function runWrite(db: Writer, write: Write): Promise<Value> {
  try {
    switch (write.kind) {
      case "insert":
        return await db.insert("items", write.fields);
      case "insertOther":
        return await db.insert("others", { group: write.group });
      case "patch": {
        const value: Partial<ItemFields> = { ...write.set };
        for (const field of write.unset) value[field] = undefined;
        await db.patch(write.id as ItemId, value);
        return null;
      }
      case "replace":
        await db.replace(write.id as ItemId, write.fields);
        return null;
      case "delete":
        await db.delete(write.id as ItemId);
        return null;
    }
  } catch (error) {
    return { error: String(error) };
  }
}

export const nested = mutationGeneric({
  handler: async (ctx, args: { writes: Write[]; reads: Read[]; fail: boolean }) => {
    const db = ctx.db as unknown as Writer;
    const results: Value[] = [];
    for (const write of args.writes) results.push(await runWrite(db, write));
    for (const read of args.reads) results.push(await runRead(db, read));
    if (args.fail) throw new Error("nested rollback");
    return results;
  },
});

/** The convexTest module map: the `_generated` entry only tells convex-test where the functions root is. */
export const modules = {
  "./_generated/api.js": async () => ({}),
  "./ops.js": async () => ({ nested }),
};

/** Installs the table index on the convexTest instance that `call` (one call on it) enters, as the local server does. */
export async function accelerate(call: () => Promise<unknown>): Promise<DatabaseFake> {
  const { db, probe } = captureRootDatabase(call);
  installTableIndex(db);
  await probe;
  return db;
}
