/** Wire types of Convex's sync WebSocket protocol, u64 timestamp encoding, and client-frame validation. */
import type { JSONValue } from "convex/values";

// The shapes below mirror what convex/browser sends and expects (convex/src/browser/sync/protocol.ts).
// That module is not exported by the package, so the server keeps its own copy of the wire format.

export type QueryJournal = string | null;

export interface StateVersion {
  querySet: number;
  ts: bigint;
  identity: number;
}

export interface AddQuery {
  type: "Add";
  queryId: number;
  udfPath: string;
  args: JSONValue[];
  journal?: QueryJournal;
  componentPath?: string;
}

export interface RemoveQuery {
  type: "Remove";
  queryId: number;
}

export type ClientMessage =
  | { type: "Connect"; sessionId: string; connectionCount: number; lastCloseReason: string | null; clientTs?: number }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: (AddQuery | RemoveQuery)[] }
  | { type: "Mutation"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | { type: "Action"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | AuthenticateMessage
  | { type: "Event"; eventType: string; event: unknown };

export type AuthenticateMessage =
  | { type: "Authenticate"; tokenType: "User"; value: string; baseVersion: number }
  | { type: "Authenticate"; tokenType: "Admin"; value: string; baseVersion: number; impersonating?: Record<string, JSONValue> }
  | { type: "Authenticate"; tokenType: "None"; baseVersion: number };

export type StateModification =
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal: QueryJournal }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      errorData?: JSONValue;
      logLines: string[];
      journal: QueryJournal;
    }
  | { type: "QueryRemoved"; queryId: number };

export type ServerMessage =
  | { type: "Transition"; startVersion: StateVersion; endVersion: StateVersion; modifications: StateModification[] }
  | { type: "MutationResponse"; requestId: number; success: true; result: JSONValue; ts: bigint; logLines: string[] }
  | { type: "MutationResponse"; requestId: number; success: false; result: string; errorData?: JSONValue; logLines: string[] }
  | { type: "ActionResponse"; requestId: number; success: true; result: JSONValue; logLines: string[] }
  | { type: "ActionResponse"; requestId: number; success: false; result: string; errorData?: JSONValue; logLines: string[] }
  | { type: "AuthError"; error: string; baseVersion: number; authUpdateAttempted: boolean }
  | { type: "FatalError"; error: string }
  | { type: "Ping" };

/** A frame the server cannot accept; the session answers it with FatalError and closes. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Every `ts` on the wire is a u64 sent as base64 of its 8 little-endian bytes. */
export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt.asUintN(64, ts));
  return bytes.toString("base64");
}

export function decodeTs(encoded: string): bigint {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== 8) throw new ProtocolError(`invalid u64 timestamp "${encoded}"`);
  return bytes.readBigUInt64LE();
}

function encodeVersion(version: StateVersion): Record<string, JSONValue> {
  return { querySet: version.querySet, ts: encodeTs(version.ts), identity: version.identity };
}

/** Serializes a server message, encoding the bigint timestamps the way the client decodes them. */
export function encodeServerMessage(message: ServerMessage): string {
  switch (message.type) {
    case "Transition":
      return JSON.stringify({
        ...message,
        startVersion: encodeVersion(message.startVersion),
        endVersion: encodeVersion(message.endVersion),
      });
    case "MutationResponse":
      return JSON.stringify(message.success ? { ...message, ts: encodeTs(message.ts) } : message);
    default:
      return JSON.stringify(message);
  }
}

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireNat(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ProtocolError(`field "${field}" must be a nonnegative integer`);
  }
  return value;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") throw new ProtocolError(`field "${field}" must be a string`);
  return value;
}

function requireArgs(value: unknown): JSONValue[] {
  if (!Array.isArray(value)) throw new ProtocolError(`field "args" must be an array`);
  return value as JSONValue[];
}

function parseModification(raw: unknown): AddQuery | RemoveQuery {
  if (!isObject(raw)) throw new ProtocolError("query set modification must be an object");
  if (raw.type === "Remove") return { type: "Remove", queryId: requireNat(raw.queryId, "queryId") };
  if (raw.type !== "Add") throw new ProtocolError(`unknown query set modification "${String(raw.type)}"`);
  const journal = raw.journal;
  if (journal !== undefined && journal !== null && typeof journal !== "string") {
    throw new ProtocolError(`field "journal" must be a string or null`);
  }
  return {
    type: "Add",
    queryId: requireNat(raw.queryId, "queryId"),
    udfPath: requireString(raw.udfPath, "udfPath"),
    args: requireArgs(raw.args),
    journal: journal ?? null,
    ...(typeof raw.componentPath === "string" ? { componentPath: raw.componentPath } : {}),
  };
}

function parseAuthenticate(raw: JsonObject): AuthenticateMessage {
  const baseVersion = requireNat(raw.baseVersion, "baseVersion");
  switch (raw.tokenType) {
    case "None":
      return { type: "Authenticate", tokenType: "None", baseVersion };
    case "User":
      return { type: "Authenticate", tokenType: "User", value: requireString(raw.value, "value"), baseVersion };
    case "Admin":
      return {
        type: "Authenticate",
        tokenType: "Admin",
        value: requireString(raw.value, "value"),
        baseVersion,
        ...(isObject(raw.impersonating) ? { impersonating: raw.impersonating as Record<string, JSONValue> } : {}),
      };
    default:
      throw new ProtocolError(`unknown tokenType "${String(raw.tokenType)}"`);
  }
}

/** Parses and validates one text frame from a client; throws ProtocolError on anything malformed. */
export function parseClientMessage(frame: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    throw new ProtocolError("frame is not valid JSON");
  }
  if (!isObject(raw)) throw new ProtocolError("frame must be a JSON object");
  switch (raw.type) {
    case "Connect":
      return {
        type: "Connect",
        sessionId: requireString(raw.sessionId, "sessionId"),
        connectionCount: requireNat(raw.connectionCount, "connectionCount"),
        lastCloseReason: typeof raw.lastCloseReason === "string" ? raw.lastCloseReason : null,
        ...(typeof raw.clientTs === "number" ? { clientTs: raw.clientTs } : {}),
      };
    case "ModifyQuerySet": {
      if (!Array.isArray(raw.modifications)) throw new ProtocolError(`field "modifications" must be an array`);
      return {
        type: "ModifyQuerySet",
        baseVersion: requireNat(raw.baseVersion, "baseVersion"),
        newVersion: requireNat(raw.newVersion, "newVersion"),
        modifications: raw.modifications.map(parseModification),
      };
    }
    case "Mutation":
    case "Action":
      return {
        type: raw.type,
        requestId: requireNat(raw.requestId, "requestId"),
        udfPath: requireString(raw.udfPath, "udfPath"),
        args: requireArgs(raw.args),
        ...(typeof raw.componentPath === "string" ? { componentPath: raw.componentPath } : {}),
      };
    case "Authenticate":
      return parseAuthenticate(raw);
    case "Event":
      return { type: "Event", eventType: typeof raw.eventType === "string" ? raw.eventType : "", event: raw.event };
    default:
      throw new ProtocolError(`unknown message type "${String(raw.type)}"`);
  }
}

/** "mod/file.js:fn" and "mod/file" name the same function as "mod/file:fn" / "mod/file:default". */
export function canonicalizeUdfPath(udfPath: string): string {
  const colon = udfPath.lastIndexOf(":");
  let moduleName = colon === -1 ? udfPath : udfPath.slice(0, colon);
  const functionName = colon === -1 ? "default" : udfPath.slice(colon + 1);
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}
