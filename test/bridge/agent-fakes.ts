/** A scriptable AgentGatewayPort for the agent-state and cron-request tests. */
import type { AgentGatewayPort, AgentIdentityInfo, CronJobInfo, HealthInfo, SkillStatusInfo } from "../../src/bridge/agent-gateway.js";

export class FakeAgentGateway implements AgentGatewayPort {
  connected = true;
  scopes = ["operator.read", "operator.write"];
  identities: AgentIdentityInfo[] = [{ agentId: "main", name: "Assistant" }];
  healthInfo: HealthInfo = { ok: true, channels: [], pluginErrors: 0, ts: 1 };
  skillList: SkillStatusInfo[] = [];
  jobs: CronJobInfo[] = [];
  calls: string[] = [];
  runs: string[] = [];
  toggles: Array<{ jobId: string; enabled: boolean }> = [];
  failWith: Error | undefined;
  runResult: (jobId: string) => Promise<{ runId: string } | { notRun: string }> = (jobId) => Promise.resolve({ runId: `run-${jobId}` });

  isConnected(): boolean {
    return this.connected;
  }
  grantedScopes(): string[] {
    return this.scopes;
  }
  private answer<T>(method: string, value: T): Promise<T> {
    this.calls.push(method);
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve(structuredClone(value));
  }
  agents() {
    return this.answer("agents.list", { defaultId: this.identities[0]?.agentId, agentIds: this.identities.map((a) => a.agentId) });
  }
  agentIdentity(agentId: string) {
    return this.answer("agent.identity.get", this.identities.find((a) => a.agentId === agentId) ?? { agentId });
  }
  health() {
    return this.answer("health", this.healthInfo);
  }
  skills() {
    return this.answer("skills.status", this.skillList);
  }
  cronJobs() {
    return this.answer("cron.list", this.jobs);
  }
  cronRun(jobId: string) {
    this.calls.push("cron.run");
    this.runs.push(jobId);
    return this.failWith ? Promise.reject(this.failWith) : this.runResult(jobId);
  }
  cronSetEnabled(jobId: string, enabled: boolean) {
    this.calls.push("cron.update");
    this.toggles.push({ jobId, enabled });
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve({ enabled });
  }
}
