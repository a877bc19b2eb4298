/** A small JSON Schema checker for config.json that names the offending key (and never echoes a secret). */
import { convexUrlProblem } from "./convex-url.js";
import { SECRET_KEYS, type JsonSchema } from "./schema.js";

export interface ConfigIssue {
  /** Dotted path of the offending key, e.g. `relay.logLevel`; `""` for the whole document. */
  key: string;
  /** What is wrong, phrased to follow the key: "must be an integer (found 1.5)". */
  problem: string;
}

function describe(value: unknown, key: string): string {
  if (SECRET_KEYS.has(key)) return "value hidden";
  if (typeof value === "string") return `found ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (Array.isArray(value)) return "found an array";
  if (value === null) return "found null";
  if (typeof value === "object") return "found an object";
  return `found ${String(value)}`;
}

function typeMatches(value: unknown, type: NonNullable<JsonSchema["type"]>): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

const TYPE_NAMES: Record<NonNullable<JsonSchema["type"]>, string> = {
  object: "an object",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
};

/** Checks `value` against `schema`; returns every issue found, outermost first. */
export function validateAgainst(value: unknown, schema: JsonSchema, key = ""): ConfigIssue[] {
  const issue = (problem: string): ConfigIssue[] => [{ key, problem }];
  if (schema.type && !typeMatches(value, schema.type)) {
    return issue(`must be ${TYPE_NAMES[schema.type]} (${describe(value, key)})`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return issue(schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return issue(`must be at most ${schema.maxLength} characters`);
    }
    if (schema.enum && !schema.enum.includes(value)) {
      return issue(`must be one of ${schema.enum.join(", ")} (${describe(value, key)})`);
    }
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
      return issue(`has the wrong format (${describe(value, key)}; expected ${formatHint(schema.pattern)})`);
    }
    if (schema.pattern?.startsWith("^ws")) {
      try {
        new URL(value);
      } catch {
        return issue(`is not a valid URL (${describe(value, key)})`);
      }
    }
    if (schema.pattern?.startsWith("^http")) {
      const problem = convexUrlProblem(value);
      if (problem) return issue(`${problem} (${describe(value, key)})`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      return issue(`must be at least ${schema.minimum} (${describe(value, key)})`);
    if (schema.maximum !== undefined && value > schema.maximum)
      return issue(`must be at most ${schema.maximum} (${describe(value, key)})`);
  }
  if (schema.properties && typeof value === "object" && value !== null) {
    const issues: ConfigIssue[] = [];
    for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
      const childKey = key ? `${key}.${name}` : name;
      const childSchema = schema.properties[name];
      if (!childSchema) {
        if (schema.additionalProperties === false) {
          issues.push({ key: childKey, problem: `is not a known setting (known: ${Object.keys(schema.properties).join(", ")})` });
        }
        continue;
      }
      issues.push(...validateAgainst(child, childSchema, childKey));
    }
    return issues;
  }
  return [];
}

function formatHint(pattern: string): string {
  if (pattern.startsWith("^https?")) return "an http(s):// URL";
  if (pattern.startsWith("^wss?")) return "a ws(s):// URL";
  if (pattern.includes("A-Za-z0-9_-")) return "43..128 base64url characters";
  return `/${pattern}/`;
}
