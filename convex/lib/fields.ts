/** Value validators shared by the schema and the functions' argument and return validators. */
import { v } from "convex/values";

export const messageRole = v.union(v.literal("user"), v.literal("assistant"), v.literal("system"), v.literal("tool"));

export const messageSource = v.union(v.literal("app"), v.literal("gateway"));

/** App messages: queued → delivered|failed|expired. Assistant replies: streaming → final|error|aborted. */
export const messageStatus = v.union(
  v.literal("queued"),
  v.literal("delivered"),
  v.literal("failed"),
  v.literal("expired"),
  v.literal("streaming"),
  v.literal("final"),
  v.literal("error"),
  v.literal("aborted"),
  v.literal("mirrored"),
);

export const streamState = v.union(v.literal("streaming"), v.literal("final"), v.literal("error"), v.literal("aborted"));

export const pairingStatus = v.union(
  v.literal("pending"),
  v.literal("claimed"),
  v.literal("expired"),
  v.literal("replaced"),
  v.literal("revoked"),
  v.literal("cancelled"),
);

export const deviceStatus = v.union(v.literal("active"), v.literal("revoked"));

/** A session as the relay reports it and the app reads it: one list for the table, the input and the row. */
export const sessionFields = {
  /** The session id `s1.<HMAC>` (docs/convex-api.md "Session ids"); rows from before encryption hold the plaintext key. */
  sessionKey: v.string(),
  /** The session key itself, sealed (field `sessionKey`, row `session`). */
  sessionKeyEnc: v.optional(v.string()),
  title: v.optional(v.string()),
  updatedAt: v.number(),
  lastMessagePreview: v.optional(v.string()),
  status: v.optional(v.string()),
  hasActiveRun: v.optional(v.boolean()),
  model: v.optional(v.string()),
};

/** The message fields a caller may see; the table adds the instance, device and transcript position. */
export const visibleMessageFields = {
  sessionKey: v.string(),
  role: messageRole,
  text: v.string(),
  source: messageSource,
  status: messageStatus,
  createdAt: v.number(),
  updatedAt: v.number(),
  error: v.optional(v.string()),
  clientMessageId: v.optional(v.string()),
  gatewayMessageId: v.optional(v.string()),
  runId: v.optional(v.string()),
  abortRequested: v.optional(v.boolean()),
  /** The Gateway cut this transcript text (`...(truncated)...`) and would not give the whole of it. */
  gatewayTruncated: v.optional(v.boolean()),
  /** Position in the session's list (`app.listMessages` sorts by it): the transcript's order once mirrored. */
  order: v.optional(v.number()),
};
