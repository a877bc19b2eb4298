/** The chat's /agent, /health, /skills and /cron: what they print from the synced state, and the cron request round trip. */
import type { AppClient, AppStatus } from "../../src/app-client/app-client.js";
import type { AppAgentState, AppCronJob, AppCronRequest } from "../../src/app-client/agent-types.js";
import { agentCommand } from "../../src/chat/agent-commands.js";

const STATUS: AppStatus = {
  instanceName: "Desk",
  relay: { online: true },
  gateway: { connected: true, version: "2026.9.6" },
  device: { name: "term", platform: "cli" },
};

function fakeLink(state: AppAgentState, jobs: AppCronJob[] = [], outcomes: Array<AppCronRequest["status"]> = ["accepted"]) {
  const requests: Array<{ jobId: string; action: string }> = [];
  let polls = 0;
  const app = {
    agentState: () => Promise.resolve(state),
    cronJobs: () => Promise.resolve(jobs),
    cronRequest: (jobId: string, action: string) => {
      requests.push({ jobId, action });
      return Promise.resolve({ requestId: "r1", status: "queued" as const });
    },
    cronRequestStatus: (): Promise<AppCronRequest> => {
      const status = outcomes[Math.min(polls++, outcomes.length - 1)]!;
      return Promise.resolve({ requestId: "r1", jobId: "job-1", action: "run", status, createdAt: 1, updatedAt: 2, ...(status === "accepted" ? { runId: "run-9" } : { reason: "nope" }) });
    },
  };
  return { link: { app: app as unknown as AppClient, status: () => Promise.resolve(STATUS) }, requests };
}

const EMPTY: AppAgentState = { agents: [], skills: [], cronControl: { enabled: false, reason: "the relay has not reported yet" } };
const noSleep = () => Promise.resolve();

test("/agent, /health and /skills print what the relay synced; Gateway text is made safe for the terminal", async () => {
  const state: AppAgentState = {
    agents: [{ agentId: "main", name: "Claw\u001b]52;c;cGF3bmVk\u0007", emoji: "🦀", isDefault: true }],
    health: { ok: true, channels: [{ id: "telegram", label: "Telegram", state: "not linked", error: "bad\u001b[2Jtoken" }], pluginErrors: 1, checkedAt: 0 },
    skills: [
      { name: "weather", eligible: true, disabled: false, emoji: "🌤", description: "Forecasts" },
      { name: "notes", eligible: false, disabled: true },
    ],
    cronControl: { enabled: true },
  };
  const { link } = fakeLink(state);
  const agent = (await agentCommand(link, "agent", "")).join("\n");
  expect(agent).toBe("[agent] 🦀 Claw  (id main, default)");
  const health = (await agentCommand(link, "health", "")).join("\n");
  expect(health).toContain("[health] Gateway connected, OpenClaw 2026.9.6");
  expect(health).toContain("1 plugin(s) failed to load");
  expect(health).toContain("[health]   Telegram: not linked (badtoken)");
  expect(health).not.toContain("\u001b");
  const skills = await agentCommand(link, "skills", "");
  expect(skills).toEqual(["[skills] 2 skills, 1 usable now", "  ✓ 🌤 weather  Forecasts", "  – notes (disabled)"]);
});

test("before the relay reported, the commands say so", async () => {
  const { link } = fakeLink(EMPTY);
  expect((await agentCommand(link, "agent", ""))[0]).toMatch(/has not reported/);
  expect((await agentCommand(link, "skills", ""))[0]).toMatch(/has not reported/);
  expect((await agentCommand(link, "cron", "")).join("\n")).toBe("[cron] no cron jobs\n[cron] running and toggling jobs is off: the relay has not reported yet");
});

test("/cron lists the jobs; /cron run <id> asks the relay and waits for its outcome", async () => {
  const jobs: AppCronJob[] = [{ jobId: "job-1", name: "Daily", schedule: "cron 0 3 * * *", enabled: true, nextRunAt: Date.UTC(2026, 0, 2, 3) }];
  const { link, requests } = fakeLink({ ...EMPTY, cronControl: { enabled: true } }, jobs, ["queued", "sending", "accepted"]);
  expect((await agentCommand(link, "cron", "")).join("\n")).toBe(
    "[cron] on  Daily  cron 0 3 * * *; next 2026-01-02 03:00  (id job-1)\n[cron] /cron run|enable|disable <id> to act on a job",
  );
  expect(await agentCommand(link, "cron", "run job-1", noSleep)).toEqual(["[cron] done (run run-9)"]);
  expect(requests).toEqual([{ jobId: "job-1", action: "run" }]);
});

test("/cron with a refused request prints the reason; bad usage asks for nothing", async () => {
  const { link, requests } = fakeLink(EMPTY, [], ["refused"]);
  expect(await agentCommand(link, "cron", "disable job-1", noSleep)).toEqual(["[cron] refused: nope"]);
  expect(await agentCommand(link, "cron", "delete job-1")).toEqual(["usage: /cron, or /cron run|enable|disable <job id>"]);
  expect(await agentCommand(link, "cron", "run")).toEqual(["usage: /cron, or /cron run|enable|disable <job id>"]);
  expect(requests).toEqual([{ jobId: "job-1", action: "disable" }]);
});
