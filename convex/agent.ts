/** Agent identity, Gateway health and the skills inventory: written by the relay when they change, read by paired devices. */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { mutation, query, type QueryCtx } from "./_generated/server.js";
import * as A from "./lib/agent-limits.js";
import { agentIdentity, cronControl, gatewayHealth, skillInfo, type AgentIdentity, type GatewayHealth, type SkillInfo } from "./lib/agent-fields.js";
import { requireDevice, requireInstance } from "./lib/auth.js";
import { badRequest } from "./lib/errors.js";
import * as L from "./lib/limits.js";
import { optionalString, requireString, requireTimestamp } from "./lib/validate.js";

function checkList<T>(field: string, list: readonly T[], max: number): void {
  if (list.length > max) badRequest(`${field} must hold at most ${max} entries (got ${list.length})`);
}

function checkAgents(agents: readonly AgentIdentity[]): void {
  checkList("agents", agents, A.MAX_AGENTS);
  for (const agent of agents) {
    requireString("agents[].agentId", agent.agentId, A.MAX_LABEL_CHARS);
    optionalString("agents[].name", agent.name, A.MAX_LABEL_CHARS);
    optionalString("agents[].emoji", agent.emoji, A.MAX_EMOJI_CHARS);
  }
}

function checkHealth(health: GatewayHealth): void {
  checkList("health.channels", health.channels, A.MAX_CHANNELS);
  requireTimestamp("health.checkedAt", health.checkedAt);
  requireTimestamp("health.pluginErrors", health.pluginErrors);
  for (const channel of health.channels) {
    requireString("health.channels[].id", channel.id, A.MAX_LABEL_CHARS);
    requireString("health.channels[].label", channel.label, A.MAX_LABEL_CHARS);
    requireString("health.channels[].state", channel.state, A.MAX_LABEL_CHARS);
    optionalString("health.channels[].error", channel.error, A.MAX_DESCRIPTION_CHARS);
  }
}

function checkSkills(skills: readonly SkillInfo[]): void {
  checkList("skills", skills, A.MAX_SKILLS);
  for (const skill of skills) {
    requireString("skills[].name", skill.name, A.MAX_LABEL_CHARS);
    optionalString("skills[].description", skill.description, A.MAX_DESCRIPTION_CHARS);
    optionalString("skills[].emoji", skill.emoji, A.MAX_EMOJI_CHARS);
    optionalString("skills[].source", skill.source, A.MAX_LABEL_CHARS);
  }
}

async function findAgentState(ctx: Pick<QueryCtx, "db">, instanceId: Doc<"instances">["_id"]): Promise<Doc<"agentState"> | null> {
  return ctx.db
    .query("agentState")
    .withIndex("by_instance", (q) => q.eq("instanceId", instanceId))
    .unique();
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The relay's report: each field given replaces the stored one; fields left out keep theirs. A report
 * equal to what is stored writes nothing (`changed: false`), so subscribed apps are not woken for nothing.
 */
export const sync = mutation({
  args: {
    relaySecret: v.string(),
    agents: v.optional(v.array(agentIdentity)),
    health: v.optional(gatewayHealth),
    skills: v.optional(v.array(skillInfo)),
    cronControl: v.optional(cronControl),
  },
  returns: v.object({ changed: v.boolean() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    if (args.agents) checkAgents(args.agents);
    if (args.health) checkHealth(args.health);
    if (args.skills) checkSkills(args.skills);
    if (args.cronControl) optionalString("cronControl.reason", args.cronControl.reason, L.MAX_REASON_CHARS);
    const patch: Partial<Pick<Doc<"agentState">, "agents" | "health" | "skills" | "cronControl">> = {};
    const existing = await findAgentState(ctx, instance._id);
    for (const key of ["agents", "health", "skills", "cronControl"] as const) {
      const value = args[key];
      if (value !== undefined && !same(value, existing?.[key])) Object.assign(patch, { [key]: value });
    }
    if (Object.keys(patch).length === 0) return { changed: false };
    if (existing) await ctx.db.patch(existing._id, { ...patch, updatedAt: Date.now() });
    else await ctx.db.insert("agentState", { instanceId: instance._id, ...patch, updatedAt: Date.now() });
    return { changed: true };
  },
});

/** What the device's relay last reported; empty lists and no health until it has. */
export const state = query({
  args: { deviceToken: v.string() },
  returns: v.object({
    agents: v.array(agentIdentity),
    health: v.optional(gatewayHealth),
    skills: v.array(skillInfo),
    cronControl: cronControl,
    updatedAt: v.optional(v.number()),
  }),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const row = await findAgentState(ctx, instance._id);
    return {
      agents: row?.agents ?? [],
      ...(row?.health ? { health: row.health } : {}),
      skills: row?.skills ?? [],
      cronControl: row?.cronControl ?? { enabled: false, reason: "the relay has not reported yet" },
      ...(row ? { updatedAt: row.updatedAt } : {}),
    };
  },
});
