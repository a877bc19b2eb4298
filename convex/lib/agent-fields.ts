/** Validators for what the relay syncs about the agent (identity, health, skills) and cron, shared by schema and functions. */
import { v, type Infer } from "convex/values";

export const agentIdentity = v.object({
  agentId: v.string(),
  name: v.optional(v.string()),
  emoji: v.optional(v.string()),
  isDefault: v.optional(v.boolean()),
});

/** One channel of the Gateway's health: `state` as OpenClaw words it ("linked", "not linked", "disabled", …). */
export const channelHealth = v.object({
  id: v.string(),
  label: v.string(),
  state: v.string(),
  error: v.optional(v.string()),
});

export const gatewayHealth = v.object({
  ok: v.boolean(),
  channels: v.array(channelHealth),
  /** Plugins that failed to load. */
  pluginErrors: v.number(),
  /** When the Gateway produced this snapshot (its own clock). */
  checkedAt: v.number(),
});

export const skillInfo = v.object({
  name: v.string(),
  description: v.optional(v.string()),
  emoji: v.optional(v.string()),
  /** Usable now (requirements met, not blocked). */
  eligible: v.boolean(),
  disabled: v.boolean(),
  source: v.optional(v.string()),
});

/** Whether the app may run/toggle cron jobs, and why not (the relay lacks operator.admin). */
export const cronControl = v.object({ enabled: v.boolean(), reason: v.optional(v.string()) });

export const cronJobFields = {
  jobId: v.string(),
  name: v.string(),
  /** Human-readable: "every 1h", "cron 0 3 * * *", "at 2026-…". */
  schedule: v.string(),
  enabled: v.boolean(),
  nextRunAt: v.optional(v.number()),
  lastRunAt: v.optional(v.number()),
  lastRunStatus: v.optional(v.string()),
  lastRunError: v.optional(v.string()),
};
export const cronJob = v.object(cronJobFields);

export const cronAction = v.union(v.literal("run"), v.literal("enable"), v.literal("disable"));
export const cronRequestStatus = v.union(
  v.literal("queued"),
  /** The relay took it and is calling the Gateway: never sent again, whatever happens next. */
  v.literal("sending"),
  v.literal("accepted"),
  v.literal("refused"),
  v.literal("expired"),
);

/** A cron request as a device sees it; the table adds who it belongs to (instance, device). */
export const cronRequestFields = {
  requestId: v.string(),
  jobId: v.string(),
  action: cronAction,
  status: cronRequestStatus,
  createdAt: v.number(),
  updatedAt: v.number(),
  runId: v.optional(v.string()),
  reason: v.optional(v.string()),
};

export type AgentIdentity = Infer<typeof agentIdentity>;
export type GatewayHealth = Infer<typeof gatewayHealth>;
export type SkillInfo = Infer<typeof skillInfo>;
export type CronJob = Infer<typeof cronJob>;
export type CronAction = Infer<typeof cronAction>;
export type CronRequestStatus = Infer<typeof cronRequestStatus>;
