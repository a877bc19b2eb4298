/** Answers of the agent-state and cron methods (agents.list, agent.identity.get, health, skills.status, cron.*), checked into plain shapes. */
import { nonEmptyStr, num } from "../json-values.js";
import { GatewayProtocolError } from "./gateway-errors.js";
import { isRecord, type Rec } from "./gateway-events.js";

export interface AgentIdentityInfo {
  agentId: string;
  name?: string;
  emoji?: string;
}

export interface ChannelHealthInfo {
  id: string;
  label: string;
  /** OpenClaw's wording: "disabled", "not configured", "not linked", "linked", "running", … */
  state: string;
  error?: string;
}

export interface HealthInfo {
  ok: boolean;
  channels: ChannelHealthInfo[];
  pluginErrors: number;
  /** The Gateway's snapshot time. */
  ts: number;
  defaultAgentId?: string;
}

export interface SkillStatusInfo {
  name: string;
  description?: string;
  emoji?: string;
  eligible: boolean;
  disabled: boolean;
  source?: string;
}

export interface CronJobInfo {
  id: string;
  name: string;
  schedule: string;
  enabled: boolean;
  nextRunAtMs?: number;
  lastRunAtMs?: number;
  lastRunStatus?: string;
  lastRunError?: string;
}

export interface CronListPage {
  jobs: CronJobInfo[];
  hasMore: boolean;
  nextOffset: number | undefined;
}


function expectRecord(method: string, payload: unknown): Rec {
  if (!isRecord(payload)) throw new GatewayProtocolError(`${method}: answer is not an object`);
  return payload;
}

function optional<T extends object>(target: T, key: keyof T, value: unknown): void {
  if (value !== undefined) (target as Record<keyof T, unknown>)[key] = value;
}

/** agents.list: the agent ids and which is the default. */
export function parseAgentsList(payload: unknown): { defaultId: string | undefined; agentIds: string[] } {
  const p = expectRecord("agents.list", payload);
  if (!Array.isArray(p.agents)) throw new GatewayProtocolError("agents.list: answer lacks agents");
  const agentIds = p.agents.map((agent) => (isRecord(agent) ? nonEmptyStr(agent.id) : undefined)).filter((id): id is string => id !== undefined);
  return { defaultId: nonEmptyStr(p.defaultId), agentIds };
}

/** agent.identity.get: the name and emoji; an avatar that is a picture or URL is not kept. */
export function parseAgentIdentity(payload: unknown): AgentIdentityInfo {
  const p = expectRecord("agent.identity.get", payload);
  const agentId = nonEmptyStr(p.agentId);
  if (!agentId) throw new GatewayProtocolError("agent.identity.get: answer lacks agentId");
  const identity: AgentIdentityInfo = { agentId };
  optional(identity, "name", nonEmptyStr(p.name));
  optional(identity, "emoji", nonEmptyStr(p.emoji));
  return identity;
}

/** One channel's state in the words `openclaw health` uses for it. */
function channelState(summary: Rec): string {
  if (summary.enabled === false) return "disabled";
  const health = nonEmptyStr(summary.healthState);
  if (health && health !== "healthy") return health;
  const status = nonEmptyStr(summary.statusState);
  if (status) return status;
  if (summary.configured === false) return "not configured";
  if (summary.linked === false) return "not linked";
  if (summary.running === true) return "running";
  if (summary.linked === true) return "linked";
  if (summary.configured === true) return "configured";
  return health ?? "unknown";
}

/** health (answer or event): channel states in the Gateway's order, plugin failures, overall ok. */
export function parseHealth(payload: unknown): HealthInfo {
  const p = expectRecord("health", payload);
  const channels = isRecord(p.channels) ? p.channels : {};
  const labels = isRecord(p.channelLabels) ? p.channelLabels : {};
  const order = Array.isArray(p.channelOrder) && p.channelOrder.length > 0 ? p.channelOrder : Object.keys(channels);
  const list: ChannelHealthInfo[] = [];
  for (const id of order) {
    const summary = typeof id === "string" ? channels[id] : undefined;
    if (typeof id !== "string" || !isRecord(summary)) continue;
    const channel: ChannelHealthInfo = { id, label: nonEmptyStr(labels[id]) ?? id, state: channelState(summary) };
    optional(channel, "error", nonEmptyStr(summary.lastError));
    list.push(channel);
  }
  const plugins = isRecord(p.plugins) ? p.plugins : {};
  const health: HealthInfo = {
    ok: p.ok === true,
    channels: list,
    pluginErrors: Array.isArray(plugins.errors) ? plugins.errors.length : 0,
    ts: num(p.ts) ?? 0,
  };
  optional(health, "defaultAgentId", nonEmptyStr(p.defaultAgentId));
  return health;
}

/** skills.status: the inventory, read-only (no paths, installs or requirements). */
export function parseSkillsStatus(payload: unknown): SkillStatusInfo[] {
  const p = expectRecord("skills.status", payload);
  if (!Array.isArray(p.skills)) throw new GatewayProtocolError("skills.status: answer lacks skills");
  const skills: SkillStatusInfo[] = [];
  for (const row of p.skills) {
    const name = isRecord(row) ? nonEmptyStr(row.name) : undefined;
    if (!isRecord(row) || !name) continue;
    const skill: SkillStatusInfo = { name, eligible: row.eligible === true, disabled: row.disabled === true };
    optional(skill, "description", nonEmptyStr(row.description));
    optional(skill, "emoji", nonEmptyStr(row.emoji));
    optional(skill, "source", nonEmptyStr(row.source));
    skills.push(skill);
  }
  return skills;
}

function scheduleText(schedule: unknown): string {
  if (!isRecord(schedule)) return "unknown";
  switch (schedule.kind) {
    case "every": {
      const ms = num(schedule.everyMs);
      return ms === undefined ? "every ?" : `every ${everyText(ms)}`;
    }
    case "cron":
      return `cron ${nonEmptyStr(schedule.expr) ?? "?"}${nonEmptyStr(schedule.tz) ? ` (${String(schedule.tz)})` : ""}`;
    case "at":
      return `at ${nonEmptyStr(schedule.at) ?? "?"}`;
    default:
      // on-exit and stream schedules name a command; the app is told only the kind.
      return typeof schedule.kind === "string" ? schedule.kind : "unknown";
  }
}

function everyText(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"]];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** cron.list (compact rows): what the app shows of each job; the job's message and commands are left out. */
export function parseCronList(payload: unknown): CronListPage {
  const p = expectRecord("cron.list", payload);
  if (!Array.isArray(p.jobs)) throw new GatewayProtocolError("cron.list: answer lacks jobs");
  const jobs: CronJobInfo[] = [];
  for (const row of p.jobs) {
    const id = isRecord(row) ? nonEmptyStr(row.id) : undefined;
    if (!isRecord(row) || !id) continue;
    const job: CronJobInfo = {
      id,
      name: nonEmptyStr(row.displayName) ?? nonEmptyStr(row.name) ?? id,
      schedule: scheduleText(row.schedule),
      enabled: row.enabled !== false,
    };
    optional(job, "nextRunAtMs", num(row.nextRunAtMs));
    optional(job, "lastRunAtMs", num(row.lastRunAtMs));
    optional(job, "lastRunStatus", nonEmptyStr(row.lastRunStatus));
    optional(job, "lastRunError", nonEmptyStr(row.lastRunError));
    jobs.push(job);
  }
  return { jobs, hasMore: p.hasMore === true, nextOffset: num(p.nextOffset) };
}

/** cron.run: enqueued with a run id, or not run (`ran: false` with the Gateway's reason). */
export function parseCronRun(payload: unknown): { runId: string } | { notRun: string } {
  const p = expectRecord("cron.run", payload);
  const runId = nonEmptyStr(p.runId);
  if (p.ok === true && runId) return { runId };
  return { notRun: nonEmptyStr(p.reason) ?? nonEmptyStr(p.message) ?? "the Gateway did not start a run" };
}

/** cron.update: the job as it now is; the relay checks `enabled`. */
export function parseCronUpdate(payload: unknown): { enabled: boolean } {
  const p = expectRecord("cron.update", payload);
  if (typeof p.enabled !== "boolean") throw new GatewayProtocolError("cron.update: answer lacks enabled");
  return { enabled: p.enabled };
}
