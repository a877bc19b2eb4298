/** Plain-text views of the agent's state for the interactive chat: /agent, /health, /skills, /cron. */
import type { AppStatus } from "../app-client/app-client.js";
import type { AppAgentState, AppCronJob, AppCronRequest } from "../app-client/agent-types.js";
import { terminalLine } from "../terminal-text.js";

export const AGENT_HELP_LINES = [
  "  /agent           the agent's name and emoji (each agent)",
  "  /health          the Gateway's version and health, its channels and their state",
  "  /skills          the agent's skills (✓ usable now)",
  "  /cron            the cron jobs; /cron run|enable|disable <job id> asks the relay to do that",
];

/** Names, states and errors come from the Gateway: one line, nothing a terminal would act on. */
function oneLine(text: string, max = 100): string {
  const flat = terminalLine(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function when(at: number | undefined): string {
  return at === undefined ? "—" : new Date(at).toISOString().replace("T", " ").slice(0, 16);
}

const notYet = "[agent] the relay has not reported this yet (is it running and connected to the Gateway?)";

export function agentLines(state: AppAgentState): string[] {
  if (state.agents.length === 0) return [notYet];
  return state.agents.map((agent) => {
    const emoji = agent.emoji ? `${oneLine(agent.emoji, 16)} ` : "";
    const name = agent.name ? oneLine(agent.name) : "(no name)";
    return `[agent] ${emoji}${name}  (id ${oneLine(agent.agentId)}${agent.isDefault ? ", default" : ""})`;
  });
}

export function healthLines(state: AppAgentState, status: AppStatus | undefined): string[] {
  const version = status?.gateway.version ? `OpenClaw ${oneLine(status.gateway.version, 64)}` : "version unknown";
  const connected = status ? (status.gateway.connected ? "connected" : "not connected") : "connection unknown";
  const lines = [`[health] Gateway ${connected}, ${version}`];
  const health = state.health;
  if (!health) return [...lines, notYet];
  lines.push(`[health] ${health.ok ? "ok" : "not ok"} as of ${when(health.checkedAt)}${health.pluginErrors > 0 ? `; ${health.pluginErrors} plugin(s) failed to load` : ""}`);
  if (health.channels.length === 0) lines.push("[health] no channels linked");
  for (const channel of health.channels) {
    lines.push(`[health]   ${oneLine(channel.label, 60)}: ${oneLine(channel.state, 60)}${channel.error ? ` (${oneLine(channel.error)})` : ""}`);
  }
  return lines;
}

export function skillLines(state: AppAgentState): string[] {
  if (state.skills.length === 0) return [notYet];
  const usable = state.skills.filter((skill) => skill.eligible && !skill.disabled).length;
  return [
    `[skills] ${state.skills.length} skills, ${usable} usable now`,
    ...state.skills.map((skill) => {
      const mark = skill.disabled ? "–" : skill.eligible ? "✓" : " ";
      const emoji = skill.emoji ? `${oneLine(skill.emoji, 16)} ` : "";
      const description = skill.description ? `  ${oneLine(skill.description, 70)}` : "";
      return `  ${mark} ${emoji}${oneLine(skill.name, 60)}${skill.disabled ? " (disabled)" : ""}${description}`;
    }),
  ];
}

export function cronLines(jobs: readonly AppCronJob[], control: AppAgentState["cronControl"]): string[] {
  const lines = jobs.length === 0 ? ["[cron] no cron jobs"] : [];
  for (const job of jobs) {
    const last = job.lastRunAt !== undefined ? `; last ${when(job.lastRunAt)} ${oneLine(job.lastRunStatus ?? "", 20)}` : "";
    lines.push(
      `[cron] ${job.enabled ? "on " : "off"} ${oneLine(job.name, 60)}  ${oneLine(job.schedule, 60)}; next ${when(job.nextRunAt)}${last}  (id ${oneLine(job.jobId)})`,
    );
  }
  lines.push(control.enabled ? "[cron] /cron run|enable|disable <id> to act on a job" : `[cron] running and toggling jobs is off: ${oneLine(control.reason ?? "not enabled", 200)}`);
  return lines;
}

export function cronOutcomeLine(request: AppCronRequest | null): string {
  if (!request) return "[cron] the request was not found";
  switch (request.status) {
    case "accepted":
      return `[cron] done${request.runId ? ` (run ${oneLine(request.runId)})` : ""}`;
    case "refused":
    case "expired":
      return `[cron] ${request.status}: ${oneLine(request.reason ?? "no reason given", 300)}`;
    default:
      return `[cron] still ${request.status}: the relay has not carried it out yet`;
  }
}
