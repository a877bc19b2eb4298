/** AgentStateSync: each part (identities, health, skills, cron jobs) is written when it changes and only then. */
import { AgentStateSync } from "../../src/bridge/agent-state-sync.js";
import type { Logger } from "../../src/logging/logger.js";
import { captureLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeAgentGateway } from "./agent-fakes.js";
import { RecordingConvex } from "./fakes.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** What a (re)connect does: every part read now (the refresh timer waits on the fake clock). */
async function readAll(sync: AgentStateSync): Promise<void> {
  sync.connected();
  await flush();
}

function setup() {
  const gateway = new FakeAgentGateway();
  const convex = new RecordingConvex();
  const { lines, logger } = captureLogger();
  const clock = new FakeClock();
  const sync = new AgentStateSync({ gateway, convex, logger: logger as unknown as Logger, refreshMs: 3_600_000, debounceMs: 5, clock });
  return { gateway, convex, lines, sync, clock };
}

test("the first read writes every part; an identical read writes nothing", async () => {
  const { gateway, convex, sync } = setup();
  gateway.identities = [{ agentId: "main", name: "Claw", emoji: "🦀" }, { agentId: "helper" }];
  gateway.skillList = [{ name: "weather", description: "Forecasts", eligible: true, disabled: false, source: "openclaw-bundled" }];
  gateway.jobs = [{ id: "job-1", name: "Daily", schedule: "cron 0 3 * * *", enabled: true, nextRunAtMs: 10 }];
  await readAll(sync);
  expect(convex.calls("agent:sync")).toEqual(
    expect.arrayContaining([
      { agents: [{ agentId: "main", name: "Claw", emoji: "🦀", isDefault: true }, { agentId: "helper" }] },
      { health: { ok: true, channels: [], pluginErrors: 0, checkedAt: 1 } },
      { skills: [{ name: "weather", description: "Forecasts", eligible: true, disabled: false, source: "openclaw-bundled" }] },
    ]),
  );
  expect(convex.calls("cron:syncJobs")).toEqual([{ jobs: [{ jobId: "job-1", name: "Daily", schedule: "cron 0 3 * * *", enabled: true, nextRunAt: 10 }] }]);
  expect([...(sync.cronJobIds ?? [])]).toEqual(["job-1"]);
  const before = convex.writes.length;
  gateway.healthInfo = { ...gateway.healthInfo, ts: 99 }; // only the snapshot time moved
  await readAll(sync);
  expect(convex.writes.length).toBe(before);
});

test("a change event re-reads that part and writes the change", async () => {
  const { gateway, convex, sync, clock } = setup();
  await readAll(sync);
  gateway.healthInfo = { ok: true, channels: [{ id: "telegram", label: "Telegram", state: "not configured" }], pluginErrors: 0, ts: 2 };
  gateway.calls = [];
  sync.changed("health");
  clock.advance(4);
  sync.changed("health"); // within the debounce: the same read
  clock.advance(4);
  expect(gateway.calls).toEqual([]);
  clock.advance(1);
  await flush();
  expect(gateway.calls).toEqual(["health"]);
  expect(convex.calls("agent:sync").at(-1)).toEqual({
    health: { ok: true, channels: [{ id: "telegram", label: "Telegram", state: "not configured" }], pluginErrors: 0, checkedAt: 2 },
  });
});

test("while connected everything is re-read every refreshMs of the clock; a disconnect stops it", async () => {
  const { gateway, sync, clock } = setup();
  sync.connected();
  await flush();
  const firstRead = gateway.calls.length;
  expect(firstRead).toBeGreaterThan(0);
  clock.advance(3_600_000);
  await flush();
  expect(gateway.calls.length).toBe(2 * firstRead);
  sync.disconnected();
  clock.advance(10 * 3_600_000);
  await flush();
  expect(gateway.calls.length).toBe(2 * firstRead);
  expect(clock.pending()).toEqual([]);
});

test("oversized Gateway text is clipped to the Convex limits; a job id too long to keep exact is not offered", async () => {
  const { gateway, convex, sync } = setup();
  gateway.identities = [{ agentId: "main", name: "n".repeat(500), emoji: "x".repeat(40) }];
  gateway.skillList = [{ name: "s", description: "d".repeat(5000), eligible: false, disabled: true }];
  gateway.jobs = [
    { id: "i".repeat(201), name: "too long an id", schedule: "every 1h", enabled: true },
    { id: "ok", name: "fine", schedule: "every 1h", enabled: false, lastRunError: "e".repeat(5000) },
  ];
  await readAll(sync);
  const agents = convex.calls("agent:sync").find((args) => "agents" in args)?.agents as Array<{ name: string; emoji?: string }>;
  expect(agents[0]!.name.length).toBe(200);
  expect(agents[0]!.emoji).toBeUndefined();
  const skills = convex.calls("agent:sync").find((args) => "skills" in args)?.skills as Array<{ description: string }>;
  expect(skills[0]!.description.length).toBe(300);
  const jobs = convex.calls("cron:syncJobs")[0]!.jobs as Array<{ jobId: string; lastRunError?: string }>;
  expect(jobs.map((job) => job.jobId)).toEqual(["ok"]);
  expect(jobs[0]!.lastRunError!.length).toBe(1000);
});

test("a failed read is logged, writes nothing, and the next read tries again", async () => {
  const { gateway, convex, lines, sync } = setup();
  gateway.failWith = new Error("boom");
  await readAll(sync);
  expect(convex.writes).toEqual([]);
  expect(lines.filter((line) => line.level === "warn").length).toBe(4);
  gateway.failWith = undefined;
  await readAll(sync);
  expect(convex.calls("agent:sync").length).toBe(3);
});

test("nothing is read while the Gateway is not connected", async () => {
  const { gateway, convex, sync } = setup();
  gateway.connected = false;
  await readAll(sync);
  expect(gateway.calls).toEqual([]);
  expect(convex.writes).toEqual([]);
});

test("cron control is written when it changes, with its reason", async () => {
  const { convex, sync } = setup();
  await sync.setCronControl({ enabled: false, reason: "off in config" });
  await sync.setCronControl({ enabled: false, reason: "off in config" });
  await sync.setCronControl({ enabled: true });
  expect(convex.calls("agent:sync")).toEqual([{ cronControl: { enabled: false, reason: "off in config" } }, { cronControl: { enabled: true } }]);
});

test("the cron allowlist is known only after this connection's listing, also when the list did not change", async () => {
  const { gateway, convex, sync } = setup();
  gateway.jobs = [{ id: "job-1", name: "Daily", schedule: "every 1h", enabled: true }];
  await sync.sync("cron");
  sync.disconnected();
  expect(sync.cronJobIds).toBeUndefined();
  await sync.sync("cron");
  expect([...(sync.cronJobIds ?? [])]).toEqual(["job-1"]);
  expect(convex.calls("cron:syncJobs")).toHaveLength(1);
});
