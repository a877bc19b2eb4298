/** The Gateway methods behind agent state and cron, as a narrow port (the real connection or a test double fits). */
import * as m from "../gateway/agent-methods.js";
import type { GatewayConnection } from "../gateway/index.js";

export type { AgentIdentityInfo, CronJobInfo, HealthInfo, SkillStatusInfo } from "../gateway/agent-methods.js";

/** Jobs fetched per cron.list call (the protocol's maximum), and the most the relay lists. */
const CRON_PAGE = 200;
const CRON_MAX = 200;

export interface AgentGatewayPort {
  isConnected(): boolean;
  /** Scopes the current connection was granted (empty while disconnected). */
  grantedScopes(): string[];
  agents(): Promise<{ defaultId: string | undefined; agentIds: string[] }>;
  agentIdentity(agentId: string): Promise<m.AgentIdentityInfo>;
  health(): Promise<m.HealthInfo>;
  skills(): Promise<m.SkillStatusInfo[]>;
  cronJobs(): Promise<m.CronJobInfo[]>;
  /** Runs a job now; the method name is fixed here, the job id is one the relay listed. */
  cronRun(jobId: string): Promise<{ runId: string } | { notRun: string }>;
  cronSetEnabled(jobId: string, enabled: boolean): Promise<{ enabled: boolean }>;
}

export class AgentGateway implements AgentGatewayPort {
  constructor(private readonly connection: GatewayConnection) {}

  isConnected(): boolean {
    return this.connection.state === "connected";
  }

  grantedScopes(): string[] {
    return this.connection.hello?.scopes ?? [];
  }

  async agents(): Promise<{ defaultId: string | undefined; agentIds: string[] }> {
    return m.parseAgentsList(await this.connection.request("agents.list", {}));
  }

  async agentIdentity(agentId: string): Promise<m.AgentIdentityInfo> {
    return m.parseAgentIdentity(await this.connection.request("agent.identity.get", { agentId }));
  }

  async health(): Promise<m.HealthInfo> {
    return m.parseHealth(await this.connection.request("health", {}));
  }

  async skills(): Promise<m.SkillStatusInfo[]> {
    return m.parseSkillsStatus(await this.connection.request("skills.status", {}));
  }

  async cronJobs(): Promise<m.CronJobInfo[]> {
    const jobs: m.CronJobInfo[] = [];
    let offset = 0;
    for (;;) {
      const page = m.parseCronList(
        await this.connection.request("cron.list", { includeDisabled: true, compact: true, limit: CRON_PAGE, offset, sortBy: "name", sortDir: "asc" }),
      );
      jobs.push(...page.jobs);
      if (!page.hasMore || page.jobs.length === 0 || jobs.length >= CRON_MAX) return jobs.slice(0, CRON_MAX);
      offset = page.nextOffset ?? offset + page.jobs.length;
    }
  }

  async cronRun(jobId: string): Promise<{ runId: string } | { notRun: string }> {
    // "force": the app asked to run it now, whether due or not (a disabled job is refused by the Gateway).
    return m.parseCronRun(await this.connection.request("cron.run", { id: jobId, mode: "force" }));
  }

  async cronSetEnabled(jobId: string, enabled: boolean): Promise<{ enabled: boolean }> {
    return m.parseCronUpdate(await this.connection.request("cron.update", { id: jobId, patch: { enabled } }));
  }
}
