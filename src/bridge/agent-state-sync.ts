/** Keeps the app's view of the agent (identities, Gateway health, skills, cron jobs and control) in Convex, writing only what changed. */
import * as A from "../../convex/lib/agent-limits.js";
import type { AgentIdentity, CronJob, GatewayHealth, SkillInfo } from "../../convex/lib/agent-fields.js";
import { systemClock, type Clock, type TimerHandle } from "../gateway/clock.js";
import type { Logger } from "../logging/logger.js";
import type { AgentGatewayPort, CronJobInfo, HealthInfo } from "./agent-gateway.js";
import { clipChars, LIMITS } from "./clip.js";
import { api } from "../convex-sync/relay-api.js";
import type { ConvexWrites } from "./ports.js";

export type AgentStatePart = "agents" | "health" | "skills" | "cron";
const PARTS: readonly AgentStatePart[] = ["agents", "health", "skills", "cron"];

export interface CronControlState {
  enabled: boolean;
  reason?: string;
}

export interface AgentStateSyncOptions {
  gateway: AgentGatewayPort;
  convex: ConvexWrites;
  logger: Logger;
  /** Identities have no change event: everything is re-read this often while connected. */
  refreshMs: number;
  /** A burst of change events costs one read. */
  debounceMs?: number;
  /** Time and timers (the refresh and the debounce); the system clock by default. */
  clock?: Clock;
}

export class AgentStateSync {
  /** What Convex last got per part (health without its timestamp), so an unchanged read costs no write. */
  private readonly sent = new Map<AgentStatePart | "cronControl", string>();
  private readonly pending = new Map<AgentStatePart, TimerHandle>();
  private readonly running = new Map<AgentStatePart, Promise<void>>();
  private timer: TimerHandle | undefined;
  /** Undefined until cron.list was read on the current connection. */
  private jobIds: ReadonlySet<string> | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: AgentStateSyncOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** After every (re)connect: read everything now, then on the refresh timer. */
  connected(): void {
    this.jobIds = undefined;
    this.stopRefresh();
    this.scheduleRefresh();
    void this.syncAll();
  }

  disconnected(): void {
    this.jobIds = undefined;
    this.stopRefresh();
  }

  /** A Gateway event says this part changed. */
  changed(part: AgentStatePart): void {
    const earlier = this.pending.get(part);
    if (earlier !== undefined) this.clock.clearTimeout(earlier);
    const timer = this.clock.setTimeout(() => {
      this.pending.delete(part);
      void this.sync(part);
    }, this.options.debounceMs ?? 500);
    this.pending.set(part, timer);
  }

  /** Whether the app may run/toggle cron jobs; written when it changes. */
  async setCronControl(state: CronControlState): Promise<void> {
    const cronControl = state.reason ? { enabled: state.enabled, reason: clipChars(state.reason, LIMITS.reason) } : { enabled: state.enabled };
    const key = JSON.stringify(cronControl);
    if (this.sent.get("cronControl") === key) return;
    await this.options.convex.write(api.agent.sync, { cronControl });
    this.sent.set("cronControl", key);
  }

  /** The cron job ids Convex holds from this connection's last listing (undefined before one): the only ones a request may name. */
  get cronJobIds(): ReadonlySet<string> | undefined {
    return this.jobIds;
  }

  /** One read per part at a time; a failed read is logged and left for the next event or refresh. */
  sync(part: AgentStatePart): Promise<void> {
    let run = this.running.get(part);
    if (!run) {
      run = this.syncNow(part)
        .catch((error: unknown) => {
          this.options.logger.warn(`could not sync the agent's ${part}`, { reason: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => this.running.delete(part));
      this.running.set(part, run);
    }
    return run;
  }

  stop(): void {
    this.stopRefresh();
    for (const timer of this.pending.values()) this.clock.clearTimeout(timer);
    this.pending.clear();
  }

  private async syncAll(): Promise<void> {
    await Promise.all(PARTS.map((part) => this.sync(part)));
  }

  private scheduleRefresh(): void {
    this.timer = this.clock.setTimeout(() => {
      this.scheduleRefresh();
      void this.syncAll();
    }, this.options.refreshMs);
  }

  private stopRefresh(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async syncNow(part: AgentStatePart): Promise<void> {
    if (!this.options.gateway.isConnected()) return;
    const { value, key } = await this.read(part);
    const ids = part === "cron" ? new Set((value as CronJob[]).map((job) => job.jobId)) : undefined;
    if (this.sent.get(part) === key) {
      if (ids) this.jobIds = ids;
      return;
    }
    if (part === "cron") {
      await this.options.convex.write(api.cron.syncJobs, { jobs: value as CronJob[] });
      this.jobIds = ids;
    } else {
      await this.options.convex.write(api.agent.sync, { [part]: value });
    }
    this.sent.set(part, key);
    this.options.logger.debug(`agent ${part} synced`);
  }

  private async read(part: AgentStatePart): Promise<{ value: unknown; key: string }> {
    const { gateway } = this.options;
    if (part === "health") {
      const health = toHealth(await gateway.health());
      const { checkedAt: _time, ...compared } = health;
      return { value: health, key: JSON.stringify(compared) };
    }
    if (part === "cron") {
      const jobs = (await gateway.cronJobs())
        // An id is used as it is, never cut: one too long for Convex is not offered to the app.
        .filter((job) => job.id.length <= A.MAX_CRON_FIELD_CHARS)
        .slice(0, A.MAX_CRON_JOBS)
        .map(toCronJob);
      return { value: jobs, key: JSON.stringify(jobs) };
    }
    if (part === "skills") {
      const skills = (await gateway.skills()).slice(0, A.MAX_SKILLS).map(toSkill);
      return { value: skills, key: JSON.stringify(skills) };
    }
    const { defaultId, agentIds } = await gateway.agents();
    const agents: AgentIdentity[] = [];
    for (const agentId of agentIds.slice(0, A.MAX_AGENTS)) {
      const identity = await gateway.agentIdentity(agentId);
      const agent: AgentIdentity = { agentId: clipChars(identity.agentId, A.MAX_LABEL_CHARS) };
      if (identity.name) agent.name = clipChars(identity.name, A.MAX_LABEL_CHARS);
      if (identity.emoji && identity.emoji.length <= A.MAX_EMOJI_CHARS) agent.emoji = identity.emoji;
      if (agentId === defaultId) agent.isDefault = true;
      agents.push(agent);
    }
    return { value: agents, key: JSON.stringify(agents) };
  }
}

function toHealth(health: HealthInfo): GatewayHealth {
  return {
    ok: health.ok,
    channels: health.channels.slice(0, A.MAX_CHANNELS).map((channel) => ({
      id: clipChars(channel.id, A.MAX_LABEL_CHARS),
      label: clipChars(channel.label, A.MAX_LABEL_CHARS),
      state: clipChars(channel.state, A.MAX_LABEL_CHARS),
      ...(channel.error ? { error: clipChars(channel.error, A.MAX_DESCRIPTION_CHARS) } : {}),
    })),
    pluginErrors: health.pluginErrors,
    checkedAt: health.ts,
  };
}

function toSkill(skill: { name: string; description?: string; emoji?: string; eligible: boolean; disabled: boolean; source?: string }): SkillInfo {
  const row: SkillInfo = { name: clipChars(skill.name, A.MAX_LABEL_CHARS), eligible: skill.eligible, disabled: skill.disabled };
  if (skill.description) row.description = clipChars(skill.description, A.MAX_DESCRIPTION_CHARS);
  if (skill.emoji && skill.emoji.length <= A.MAX_EMOJI_CHARS) row.emoji = skill.emoji;
  if (skill.source) row.source = clipChars(skill.source, A.MAX_LABEL_CHARS);
  return row;
}

function toCronJob(job: CronJobInfo): CronJob {
  const row: CronJob = {
    jobId: job.id,
    name: clipChars(job.name, A.MAX_CRON_FIELD_CHARS),
    schedule: clipChars(job.schedule, A.MAX_CRON_FIELD_CHARS),
    enabled: job.enabled,
  };
  if (job.nextRunAtMs !== undefined) row.nextRunAt = job.nextRunAtMs;
  if (job.lastRunAtMs !== undefined) row.lastRunAt = job.lastRunAtMs;
  if (job.lastRunStatus) row.lastRunStatus = clipChars(job.lastRunStatus, A.MAX_CRON_FIELD_CHARS);
  if (job.lastRunError) row.lastRunError = clipChars(job.lastRunError, LIMITS.reason);
  return row;
}
