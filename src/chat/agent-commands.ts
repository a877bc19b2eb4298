/** The chat's /agent, /health, /skills and /cron commands: read what the relay synced, or ask it to act on a cron job. */
import type { AppCronAction } from "../app-client/agent-types.js";
import type { ChatLink } from "./chat-link.js";
import { agentLines, cronLines, cronOutcomeLine, healthLines, skillLines } from "./agent-views.js";

/** How long /cron run|enable|disable waits for the relay's outcome before saying it is still pending. */
const CRON_OUTCOME_WAIT_MS = 30_000;
const CRON_POLL_MS = 250;
const ACTIONS: ReadonlySet<string> = new Set<AppCronAction>(["run", "enable", "disable"]);

export async function agentCommand(link: Pick<ChatLink, "app" | "status">, name: string, arg: string, sleep = defaultSleep): Promise<string[]> {
  const app = link.app;
  switch (name) {
    case "agent":
      return agentLines(await app.agentState());
    case "health": {
      const [state, status] = await Promise.all([app.agentState(), link.status().catch(() => undefined)]);
      return healthLines(state, status);
    }
    case "skills":
      return skillLines(await app.agentState());
    default: {
      const [action, jobId, ...extra] = arg.split(/\s+/).filter(Boolean);
      if (!action) {
        const [jobs, state] = await Promise.all([app.cronJobs(), app.agentState()]);
        return cronLines(jobs, state.cronControl);
      }
      if (!ACTIONS.has(action) || !jobId || extra.length > 0) return ["usage: /cron, or /cron run|enable|disable <job id>"];
      const { requestId } = await app.cronRequest(jobId, action as AppCronAction);
      const deadline = Date.now() + CRON_OUTCOME_WAIT_MS;
      for (;;) {
        const request = await app.cronRequestStatus(requestId);
        const pending = request !== null && (request.status === "queued" || request.status === "sending");
        if (!pending || Date.now() > deadline) return [cronOutcomeLine(request)];
        await sleep(CRON_POLL_MS);
      }
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
