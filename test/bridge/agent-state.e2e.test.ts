/**
 * Agent state and cron through the whole product, real Gateway: identity, health and skills reach the app
 * after connect and follow a config change made with the `openclaw` CLI; a cron job created with the CLI is
 * listed, runs exactly once under a retried "run now", enables/disables round-trip, and a request naming an
 * unknown or crafted job id is refused with nothing run. The shared Gateway's config is restored afterwards.
 */
import { readFile, writeFile } from "node:fs/promises";
import { ConvexError } from "convex/values";
import { e2eInfo } from "../support/gateway-fixture.js";
import { jsonFrom, openclawCli, openclawOk } from "../support/openclaw-cli.js";
import { eventually, usePipeline } from "./pipeline.js";

const current = usePipeline({ relay: { cronControl: true, agentStateRefreshMs: 2_000 } });
let originalConfig: string | undefined;
let jobId: string | undefined;

beforeAll(async () => {
  originalConfig = await readFile(e2eInfo().gatewayConfigPath, "utf8");
});

afterAll(async () => {
  if (jobId) await openclawCli(["cron", "remove", jobId]).catch(() => undefined);
  // Put the shared Gateway's config back as it was (it hot-reloads), for the test files after this one.
  if (originalConfig !== undefined) await writeFile(e2eInfo().gatewayConfigPath, originalConfig);
}, 180_000);

interface RunsAnswer {
  entries: Array<{ jobId: string; runId?: string; action?: string }>;
  total?: number;
}

async function runsOf(id: string): Promise<RunsAnswer["entries"]> {
  const answer = (await current().operator.connection.request("cron.runs", { id, limit: 200 })) as RunsAnswer;
  return answer.entries;
}

async function allRunsCount(): Promise<number> {
  const answer = (await current().operator.connection.request("cron.runs", { scope: "all", limit: 200 })) as RunsAnswer;
  return answer.total ?? answer.entries.length;
}

test("identity, health and skills appear in the app after connect, with cron control on", async () => {
  const state = await eventually(async () => {
    const s = await current().app.agentState();
    if (s.agents.length === 0 || !s.health || s.skills.length === 0 || !s.cronControl.enabled) throw new Error(`not synced yet: ${JSON.stringify(s).slice(0, 300)}`);
    return s;
  }, 60_000);
  expect(state.agents).toEqual([expect.objectContaining({ agentId: "main", isDefault: true, name: expect.any(String) })]);
  expect(state.health).toMatchObject({ ok: true, channels: [] });
  expect(state.skills.some((skill) => skill.eligible)).toBe(true);
}, 90_000);

test("a changed identity and a new channel reach the app", async () => {
  await openclawOk(["config", "set", "agents.list", JSON.stringify([{ id: "main", identity: { name: "E2E Claw", emoji: "🦀" } }]), "--strict-json"]);
  await openclawOk(["config", "set", "channels.telegram", JSON.stringify({ enabled: true }), "--strict-json"]);
  const state = await eventually(async () => {
    const s = await current().app.agentState();
    if (s.agents[0]?.name !== "E2E Claw" || !s.health?.channels.some((c) => c.id === "telegram")) throw new Error(`not changed yet: ${JSON.stringify(s.agents)} ${JSON.stringify(s.health)}`);
    return s;
  }, 90_000);
  expect(state.agents[0]).toMatchObject({ agentId: "main", name: "E2E Claw", emoji: "🦀" });
  expect(state.health?.channels).toEqual([expect.objectContaining({ id: "telegram", label: "Telegram", state: expect.any(String) })]);
}, 300_000);

test("a cron job made with the CLI is listed; run now runs once under a retried request; enable/disable round-trip", async () => {
  const name = `e2e-cron-${Date.now().toString(36)}`;
  const created = jsonFrom(await openclawOk(["cron", "add", "--name", name, "--every", "1h", "--message", "cron ping", "--session", "isolated", "--json"])) as { id: string };
  jobId = created.id;
  const app = current().app;
  await eventually(async () => {
    const jobs = await app.cronJobs();
    if (!jobs.some((job) => job.jobId === created.id)) throw new Error("job not listed yet");
  }, 60_000);
  expect((await app.cronJobs()).find((job) => job.jobId === created.id)).toMatchObject({ name, schedule: "every 1h", enabled: true });

  // Run now, asked three times with the same request id (an app retrying after lost answers).
  const requestId = `run-${name}`;
  const asks = await Promise.all([app.cronRequest(created.id, "run", requestId), app.cronRequest(created.id, "run", requestId)]);
  expect(asks.map((a) => a.requestId)).toEqual([requestId, requestId]);
  const done = await eventually(async () => {
    const status = await app.cronRequestStatus(requestId);
    if (status?.status !== "accepted") throw new Error(`request ${JSON.stringify(status)}`);
    return status;
  }, 60_000);
  await app.cronRequest(created.id, "run", requestId);
  expect(done.runId).toEqual(expect.stringContaining(created.id));
  const runs = await eventually(async () => {
    const entries = await runsOf(created.id);
    if (entries.length === 0) throw new Error("no run recorded yet");
    return entries;
  }, 120_000);
  // Give a duplicate every chance to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  expect(await runsOf(created.id)).toHaveLength(1);
  expect(runs[0]).toMatchObject({ jobId: created.id, runId: done.runId });

  for (const [action, enabled] of [["disable", false], ["enable", true]] as const) {
    const { requestId: id } = await app.cronRequest(created.id, action);
    await eventually(async () => {
      const status = await app.cronRequestStatus(id);
      if (status?.status !== "accepted") throw new Error(`request ${JSON.stringify(status)}`);
      const listed = (await app.cronJobs()).find((job) => job.jobId === created.id);
      if (listed?.enabled !== enabled) throw new Error(`app shows enabled=${String(listed?.enabled)}`);
    }, 60_000);
    const gatewaySide = (await current().operator.connection.request("cron.list", { includeDisabled: true, compact: true, query: name })) as {
      jobs: Array<{ id: string; enabled: boolean }>;
    };
    expect(gatewaySide.jobs.find((job) => job.id === created.id)?.enabled).toBe(enabled);
  }
}, 400_000);

test("a request naming an unknown job id, or one crafted with shell metacharacters, is refused and runs nothing", async () => {
  const before = await allRunsCount();
  for (const crafted of ["no-such-job", "x; touch /tmp/fastclaw-pwned", "$(reboot)", "`id`", "../../etc/passwd"]) {
    const refused = await current()
      .app.cronRequest(crafted, "run")
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ConvexError);
    expect((refused as ConvexError<{ code: string }>).data.code).toBe("NOT_FOUND");
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(await allRunsCount()).toBe(before);
}, 120_000);
