/** The tables of the relay ↔ app meeting point; credentials appear only as sha256 hex hashes. */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { agentIdentity, cronControl, cronJobFields, cronRequestFields, gatewayHealth, skillInfo } from "./lib/agent-fields.js";
import { deviceStatus, messageSource, pairingStatus, sessionFields, visibleMessageFields } from "./lib/fields.js";

export default defineSchema({
  /** One namespace per relay; owned by whoever holds the secret behind `secretHash`. */
  instances: defineTable({
    name: v.string(),
    secretHash: v.string(),
    createdAt: v.number(),
    rotatedAt: v.optional(v.number()),
  }).index("by_secret_hash", ["secretHash"]),

  /** Paired phones. Revoked rows stay so that a revoked token keeps failing (and is never reused). */
  devices: defineTable({
    instanceId: v.id("instances"),
    name: v.string(),
    platform: v.string(),
    tokenHash: v.string(),
    status: deviceStatus,
    pairingId: v.id("pairingCodes"),
    createdAt: v.number(),
    revokedAt: v.optional(v.number()),
  })
    .index("by_token_hash", ["tokenHash"])
    .index("by_instance_status", ["instanceId", "status"]),

  /** One-time pairing tokens shown as QR codes; at most one `pending` per instance. */
  pairingCodes: defineTable({
    instanceId: v.id("instances"),
    tokenHash: v.string(),
    status: pairingStatus,
    createdAt: v.number(),
    expiresAt: v.number(),
    claimedAt: v.optional(v.number()),
    deviceId: v.optional(v.id("devices")),
  })
    .index("by_token_hash", ["tokenHash"])
    .index("by_instance_status", ["instanceId", "status"]),

  /** Failed pairing claims per client address (hashed) in a fixed window. */
  claimFailures: defineTable({
    key: v.string(),
    windowStart: v.number(),
    failures: v.number(),
  }).index("by_key", ["key"]),

  /** Token buckets (sends per device, pairing codes per instance, open registration); see lib/ratelimit.ts. */
  rateBuckets: defineTable({
    key: v.string(),
    tokens: v.number(),
    updatedAt: v.number(),
    /** The bucket is full again this long after its last take; then it is deleted. */
    perMs: v.number(),
  }).index("by_key", ["key"]),

  /** What one instance stores, counted as it is written, against the quotas of lib/quota.ts. */
  usage: defineTable({
    instanceId: v.id("instances"),
    rows: v.number(),
    bytes: v.number(),
    /** Bytes of stored files (ciphertext), against their own quota. */
    fileBytes: v.optional(v.number()),
  }).index("by_instance", ["instanceId"]),

  /** Relay and gateway liveness, apart from `instances` so heartbeats don't re-run every credential check. */
  presence: defineTable({
    instanceId: v.id("instances"),
    online: v.boolean(),
    lastSeenAt: v.number(),
    relayVersion: v.string(),
    gatewayConnected: v.boolean(),
    gatewayVersion: v.optional(v.string()),
    gatewayError: v.optional(v.string()),
    offlineCheckId: v.optional(v.id("_scheduled_functions")),
  }).index("by_instance", ["instanceId"]),

  /** Gateway sessions as the relay last reported them, plus its transcript catch-up cursor. */
  sessions: defineTable({
    instanceId: v.id("instances"),
    ...sessionFields,
  })
    .index("by_instance_key", ["instanceId", "sessionKey"])
    .index("by_instance_updated", ["instanceId", "updatedAt"]),

  /** App sends, streaming assistant replies and mirrored transcript messages, each with a status. */
  messages: defineTable({
    instanceId: v.id("instances"),
    ...visibleMessageFields,
    seq: v.optional(v.number()),
    deviceId: v.optional(v.id("devices")),
    /** App sends: the session key sealed by the app, so the relay knows where to deliver (it checks the HMAC). */
    sessionKeyEnc: v.optional(v.string()),
    /** App sends with files: how many (convex/files.ts), so the relay asks for files only when there are some. */
    fileCount: v.optional(v.number()),
  })
    .index("by_instance_status_created", ["instanceId", "status", "createdAt"])
    .index("by_instance_client", ["instanceId", "clientMessageId"])
    .index("by_instance_gateway", ["instanceId", "gatewayMessageId"])
    .index("by_instance_run_role", ["instanceId", "runId", "role"])
    .index("by_instance_session_order", ["instanceId", "sessionKey", "order"])
    .index("by_instance_session_status", ["instanceId", "sessionKey", "status"])
    .index("by_instance_status_abort", ["instanceId", "status", "abortRequested"]),

  /** What the relay last synced about the agent: identities, Gateway health, skills, cron control (one row per instance). */
  agentState: defineTable({
    instanceId: v.id("instances"),
    agents: v.optional(v.array(agentIdentity)),
    health: v.optional(gatewayHealth),
    skills: v.optional(v.array(skillInfo)),
    cronControl: v.optional(cronControl),
    updatedAt: v.number(),
  }).index("by_instance", ["instanceId"]),

  /** The Gateway's cron jobs as the relay last listed them: the only job ids an app request may name. */
  cronJobs: defineTable({
    instanceId: v.id("instances"),
    ...cronJobFields,
  }).index("by_instance_job", ["instanceId", "jobId"]),

  /** App requests to run or toggle a cron job, carried out by the relay once; see convex/cron.ts. */
  cronRequests: defineTable({
    instanceId: v.id("instances"),
    deviceId: v.id("devices"),
    ...cronRequestFields,
  })
    .index("by_instance_request", ["instanceId", "requestId"])
    .index("by_instance_status_created", ["instanceId", "status", "createdAt"]),

  /** Files attached to a message: each a sealed (`fcf1`) ciphertext in file storage; see convex/files.ts. */
  files: defineTable({
    instanceId: v.id("instances"),
    messageId: v.id("messages"),
    storageId: v.id("_storage"),
    /** Made by the writer; with the session id it is the file's associated data, so Convex cannot swap files. */
    attachmentId: v.string(),
    /** The declared MIME type, in the clear: Convex checks it and the size limit that goes with it. */
    type: v.string(),
    /** The file name, sealed (field `fileName`, row `a:<attachmentId>`). */
    nameEnc: v.optional(v.string()),
    /** Stored (ciphertext) bytes. */
    size: v.number(),
    source: messageSource,
    createdAt: v.number(),
    /** The retention sweep deletes the file (not its message) from this time on. */
    expiresAt: v.number(),
  })
    .index("by_message", ["messageId", "attachmentId"])
    .index("by_storage", ["storageId"])
    .index("by_expires", ["expiresAt"]),

  /** What the relay published for its instance: the Gateway's attachment limits and the owner's retention period. */
  filePolicies: defineTable({
    instanceId: v.id("instances"),
    maxBytes: v.number(),
    maxImageBytes: v.number(),
    retentionMs: v.number(),
    updatedAt: v.number(),
  }).index("by_instance", ["instanceId"]),

  /** The orphan sweep's place in `_storage` (creation time of the last upload it looked at); one row. */
  fileSweep: defineTable({ checkedUntil: v.number() }),
});
