/** Makes one convex-test DatabaseFake read only the queried table (and, for `.eq` bounds, one bucket of it) instead of every document. */
import { jsonToConvex, type JSONValue } from "convex/values";
import type { DatabaseFake, SerializedQuery, StoredDoc } from "./convex-test-internals.js";

/** Committed ids of one table grouped by the values of some fields, as used by `.eq` bounds. */
interface Bucketing {
  fieldPaths: string[];
  buckets: Map<string, Set<string>>;
}

interface TableIndex {
  /** Committed ids in the order `_documents` holds them, so full scans and search visit docs as before. */
  ids: Set<string>;
  /** Keyed by JSON of the field paths; built the first time a query bounds those fields with `.eq`. */
  bucketings: Map<string, Bucketing>;
}

/** The `.eq` bounds of the IndexRange query being resolved, for the `_iterateDocs` call it makes. */
interface EqHint {
  tableName: string;
  fieldPaths: string[];
  key: string;
}

const NO_IDS: ReadonlySet<string> = new Set();

/** The table part of a DatabaseFake id ("10001messages" → "messages"), null for ids it never matches. */
export function tableNameFromId(id: string): string | null {
  const digits = /^[0-9]+/.exec(id);
  if (digits === null || digits[0].length === id.length) return null;
  return id.slice(digits[0].length);
}

/** Like convex-test's `isSimpleObject`: field paths only descend into plain objects. */
function isSimpleObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return prototype === null || prototype === Object.prototype || prototype.constructor?.name === "Object";
}

/** Like convex-test's `evaluateFieldPath`, minus resolving commit-ts placeholders (valueKey lumps those anyway). */
function fieldValue(doc: StoredDoc, fieldPath: string): unknown {
  let value: unknown = doc;
  for (const part of fieldPath.split(".")) {
    value = isSimpleObject(value) ? value[part] : undefined;
  }
  return value;
}

/**
 * A bucket key such that values `compareValues` calls equal always share it (so a bucket holds every match).
 * It may also put unequal values together (all objects, arrays, bytes, int64s; 0 and -0; every NaN): the
 * range filters still run on each candidate, so a coarse key costs time, never correctness.
 */
function valueKey(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "u";
    case "string":
      return `s${value}`;
    case "number":
      return `f${String(value)}`;
    case "boolean":
      return value ? "T" : "F";
    default:
      return value === null ? "n" : "x";
  }
}

function docKey(doc: StoredDoc, fieldPaths: string[]): string {
  return JSON.stringify(fieldPaths.map((fieldPath) => valueKey(fieldValue(doc, fieldPath))));
}

/** Decodes a bound like convex-test's `evaluateQueryValue` (`{ $undefined: null }` is undefined); null if it can't. */
function boundKey(value: JSONValue): string | null {
  if (isSimpleObject(value) && "$undefined" in value) return valueKey(undefined);
  try {
    return valueKey(jsonToConvex(value));
  } catch {
    return null;
  }
}

/** The `.eq` bounds of an IndexRange query, or null when a table scan is all that can be narrowed. */
function eqHint(query: SerializedQuery): EqHint | null {
  const source = query.source;
  if (source.type !== "IndexRange" || !Array.isArray(source.range)) return null;
  const tableName = source.indexName.split(".")[0] ?? "";
  const eqs = source.range.filter((expression) => expression.type === "Eq");
  if (eqs.length === 0) return null;
  const keys: string[] = [];
  for (const expression of eqs) {
    const key = boundKey(expression.value);
    if (key === null) return null;
    keys.push(key);
  }
  return { tableName, fieldPaths: eqs.map((expression) => expression.fieldPath), key: JSON.stringify(keys) };
}

function addToBucket(bucketing: Bucketing, doc: StoredDoc): void {
  const key = docKey(doc, bucketing.fieldPaths);
  let bucket = bucketing.buckets.get(key);
  if (bucket === undefined) bucketing.buckets.set(key, (bucket = new Set()));
  bucket.add(doc._id);
}

function removeFromBucket(bucketing: Bucketing, doc: StoredDoc): void {
  const key = docKey(doc, bucketing.fieldPaths);
  const bucket = bucketing.buckets.get(key);
  if (bucket === undefined) return;
  bucket.delete(doc._id);
  if (bucket.size === 0) bucketing.buckets.delete(key);
}

/**
 * Installs the index on this one instance (own properties shadowing the prototype's methods, so other
 * convexTest instances in the process are untouched). Results are the same as without it: the same
 * documents reach the same callbacks, and only IndexRange queries, which sort on a key ending in `_id`,
 * may see them in another order.
 */
export function installTableIndex(db: DatabaseFake): void {
  if (Object.hasOwn(db, "_iterateDocs") || Object.hasOwn(db, "commit")) throw new Error("the table index is already installed on this DatabaseFake");
  const commit = db.commit;
  const resolveQuerySource = db._resolveQuerySource;
  const tables = new Map<string, TableIndex>();
  let hint: EqHint | null = null;

  const table = (tableName: string): TableIndex => {
    let index = tables.get(tableName);
    if (index === undefined) tables.set(tableName, (index = { ids: new Set(), bucketings: new Map() }));
    return index;
  };
  for (const id of Object.keys(db._documents)) {
    const tableName = tableNameFromId(id);
    if (tableName !== null) table(tableName).ids.add(id);
  }

  const bucketing = (index: TableIndex, fieldPaths: string[]): Bucketing => {
    const name = JSON.stringify(fieldPaths);
    let found = index.bucketings.get(name);
    if (found === undefined) {
      found = { fieldPaths, buckets: new Map() };
      for (const id of index.ids) addToBucket(found, db._documents[id]!);
      index.bucketings.set(name, found);
    }
    return found;
  };

  /** Brings the index in line with `_documents` for ids whose stored doc may have changed. */
  const reconcile = (before: Map<string, StoredDoc | undefined>): void => {
    for (const [id, old] of before) {
      const now = Object.hasOwn(db._documents, id) ? db._documents[id] : undefined;
      if (now === old) continue;
      const index = table(tableNameFromId(id)!);
      if (now === undefined) index.ids.delete(id);
      else index.ids.add(id);
      for (const b of index.bucketings.values()) {
        if (old !== undefined) removeFromBucket(b, old);
        if (now !== undefined) addToBucket(b, now);
      }
    }
  };

  // commit() applies the last pending level: to `_documents` at the outermost level, else to the level below.
  // Diffing the ids of that level against `_documents` covers both without depending on which it was.
  db.commit = function (this: DatabaseFake, commitTs?: bigint | null): void {
    const level = this._writes.at(-1);
    const before = new Map<string, StoredDoc | undefined>();
    if (level !== undefined) {
      for (const id of Object.keys(level)) {
        if (tableNameFromId(id) !== null) before.set(id, Object.hasOwn(this._documents, id) ? this._documents[id] : undefined);
      }
    }
    try {
      commit.call(this, commitTs);
    } finally {
      reconcile(before);
    }
  };

  db._resolveQuerySource = function (this: DatabaseFake, query: SerializedQuery): unknown {
    hint = eqHint(query);
    try {
      return resolveQuerySource.call(this, query);
    } finally {
      hint = null;
    }
  };

  // Same contract as the original: every live doc of the table (pending writes win) reaches `callback`, committed
  // ids first in `_documents` order, then ids only pending, by level. With an `.eq` hint the committed ids are
  // narrowed to the bucket that can match; pending ones are all visited, their values may have moved buckets.
  db._iterateDocs = function (this: DatabaseFake, tableName: string, callback: (doc: StoredDoc) => void): void {
    const current = hint;
    hint = null;
    const index = tables.get(tableName);
    let committed: ReadonlySet<string> = index?.ids ?? NO_IDS;
    if (index !== undefined && current !== null && current.tableName === tableName) {
      committed = bucketing(index, current.fieldPaths).buckets.get(current.key) ?? NO_IDS;
    }
    const pending: string[] = [];
    const seen = new Set<string>();
    for (const level of this._writes) {
      for (const id of Object.keys(level)) {
        if (tableNameFromId(id) === tableName && !committed.has(id) && !seen.has(id)) {
          seen.add(id);
          pending.push(id);
        }
      }
    }
    // Copied first: the set may change if a callback ever ran a commit.
    for (const id of [...committed, ...pending]) {
      const doc = this.get(tableName, id);
      if (doc !== null) callback(doc);
    }
  };
}
