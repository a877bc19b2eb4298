/** Parsers of the agent-state and cron answers: the fields kept, OpenClaw's channel wording, schedules as text. */
import { parseAgentIdentity, parseCronList, parseCronRun, parseHealth, parseSkillsStatus } from "../../src/gateway/agent-methods.js";
import { GatewayProtocolError } from "../../src/gateway/gateway-errors.js";

test("identity: name and emoji; a missing agentId is a protocol error", () => {
  expect(parseAgentIdentity({ agentId: "main", name: "Claw", avatar: "data:image/png;base64,AAAA", emoji: "🦀" })).toEqual({ agentId: "main", name: "Claw", emoji: "🦀" });
  expect(() => parseAgentIdentity({ name: "x" })).toThrow(GatewayProtocolError);
});

test("health: channels in the Gateway's order with OpenClaw's state words, plugin failures counted", () => {
  const health = parseHealth({
    ok: true,
    ts: 7,
    plugins: { errors: [{ id: "x" }] },
    channelOrder: ["telegram", "discord", "slack"],
    channelLabels: { telegram: "Telegram", discord: "Discord" },
    channels: {
      slack: { enabled: false },
      telegram: { enabled: true, configured: false, lastError: null },
      discord: { configured: true, linked: true, running: true, lastError: "rate limited" },
    },
  });
  expect(health).toEqual({
    ok: true,
    ts: 7,
    pluginErrors: 1,
    channels: [
      { id: "telegram", label: "Telegram", state: "not configured" },
      { id: "discord", label: "Discord", state: "running", error: "rate limited" },
      { id: "slack", label: "slack", state: "disabled" },
    ],
  });
});

test("skills: the inventory without paths or install commands", () => {
  const skills = parseSkillsStatus({
    skills: [
      { name: "weather", description: "Forecasts", emoji: "🌤", eligible: true, disabled: false, source: "openclaw-bundled", filePath: "/x/SKILL.md", install: [{ kind: "brew" }] },
      { description: "nameless" },
    ],
  });
  expect(skills).toEqual([{ name: "weather", description: "Forecasts", emoji: "🌤", eligible: true, disabled: false, source: "openclaw-bundled" }]);
});

test("cron.list: schedules as text, no message or command; run results", () => {
  const page = parseCronList({
    jobs: [
      { id: "a", name: "n", schedule: { kind: "every", everyMs: 3_600_000 }, enabled: true, nextRunAtMs: 5, lastRunAtMs: null, lastRunStatus: null },
      { id: "b", displayName: "Nightly", name: "nightly", schedule: { kind: "cron", expr: "0 3 * * *", tz: "UTC" }, enabled: false, lastRunAtMs: 4, lastRunStatus: "error", lastRunError: "boom" },
      { id: "c", name: "watch", schedule: { kind: "on-exit", command: "rm -rf /" }, enabled: true, payload: { message: "secret" } },
    ],
    hasMore: false,
  });
  expect(page.jobs).toEqual([
    { id: "a", name: "n", schedule: "every 1h", enabled: true, nextRunAtMs: 5 },
    { id: "b", name: "Nightly", schedule: "cron 0 3 * * * (UTC)", enabled: false, lastRunAtMs: 4, lastRunStatus: "error", lastRunError: "boom" },
    { id: "c", name: "watch", schedule: "on-exit", enabled: true },
  ]);
  expect(parseCronRun({ ok: true, enqueued: true, runId: "manual:a:1" })).toEqual({ runId: "manual:a:1" });
  expect(parseCronRun({ ok: true, ran: false, reason: "already-running" })).toEqual({ notRun: "already-running" });
});
