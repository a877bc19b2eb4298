/** convex/agent.ts and convex/cron.ts: only-when-changed state, the job allowlist, idempotent requests, claim-once. */
import { api } from "../../convex/_generated/api.js";
import { jest } from "@jest/globals";
import { CRON_REQUEST_RETENTION_MS } from "../../convex/lib/agent-limits.js";
import { expectError, newBackend, pairDevice, registerInstance, useConvexTestFile, type Backend } from "./fixtures.js";

let t: Backend | undefined;
useConvexTestFile(() => t);

async function world() {
  t = newBackend();
  const relay = await registerInstance(t, "Home");
  const phone = await pairDevice(t, relay.secret);
  return { t, secret: relay.secret, device: phone.deviceToken };
}

const job = { jobId: "job-1", name: "Daily report", schedule: "cron 0 3 * * *", enabled: true };

test("agent state: a device sees nothing until the relay reports; an identical report writes nothing", async () => {
  const { t, secret, device } = await world();
  expect(await t.query(api.agent.state, { deviceToken: device })).toEqual({
    agents: [],
    skills: [],
    cronControl: { enabled: false, reason: "the relay has not reported yet" },
  });
  const health = { ok: true, channels: [{ id: "telegram", label: "Telegram", state: "linked" }], pluginErrors: 0, checkedAt: 5 };
  expect(await t.mutation(api.agent.sync, { relaySecret: secret, agents: [{ agentId: "main", name: "Claw", emoji: "🦀" }], health })).toEqual({ changed: true });
  expect(await t.mutation(api.agent.sync, { relaySecret: secret, health })).toEqual({ changed: false });
  expect(await t.mutation(api.agent.sync, { relaySecret: secret, skills: [{ name: "weather", eligible: true, disabled: false }] })).toEqual({ changed: true });
  const state = await t.query(api.agent.state, { deviceToken: device });
  expect(state).toMatchObject({ agents: [{ agentId: "main", name: "Claw", emoji: "🦀" }], health, skills: [{ name: "weather" }] });
});

test("agent state: oversized lists and fields are refused with BAD_REQUEST", async () => {
  const { t, secret } = await world();
  await expectError(t.mutation(api.agent.sync, { relaySecret: secret, agents: [{ agentId: "main", name: "n".repeat(201) }] }), "BAD_REQUEST");
  const skills = Array.from({ length: 501 }, (_, i) => ({ name: `s${i}`, eligible: true, disabled: false }));
  await expectError(t.mutation(api.agent.sync, { relaySecret: secret, skills }), "BAD_REQUEST");
});

test("cron jobs: the relay's list replaces the stored one", async () => {
  const { t, secret, device } = await world();
  await t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [job, { ...job, jobId: "job-2", name: "Another" }] });
  expect((await t.query(api.cron.jobs, { deviceToken: device })).map((j) => j.jobId)).toEqual(["job-2", "job-1"]);
  expect(await t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [{ ...job, enabled: false }] })).toEqual({ inserted: 0, updated: 1, removed: 1 });
  expect(await t.query(api.cron.jobs, { deviceToken: device })).toEqual([{ ...job, enabled: false }]);
  await expectError(t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [job, job] }), "BAD_REQUEST");
});

test("cron requests: only a listed job, only with cron control on; a retried request is one row", async () => {
  const { t, secret, device } = await world();
  await t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [job] });
  await expectError(t.mutation(api.cron.request, { deviceToken: device, requestId: "r1", jobId: "job-1", action: "run" }), "BAD_REQUEST");
  await t.mutation(api.agent.sync, { relaySecret: secret, cronControl: { enabled: true } });
  for (const jobId of ["job-9", "job-1; rm -rf ~", "$(reboot)"]) {
    await expectError(t.mutation(api.cron.request, { deviceToken: device, requestId: `r-${jobId}`, jobId, action: "run" }), "NOT_FOUND");
  }
  const first = await t.mutation(api.cron.request, { deviceToken: device, requestId: "r1", jobId: "job-1", action: "run" });
  const retry = await t.mutation(api.cron.request, { deviceToken: device, requestId: "r1", jobId: "job-1", action: "run" });
  expect(first).toEqual({ requestId: "r1", status: "queued" });
  expect(retry).toEqual(first);
  await expectError(t.mutation(api.cron.request, { deviceToken: device, requestId: "r1", jobId: "job-1", action: "disable" }), "BAD_REQUEST");
  const pending = await t.query(api.cron.pendingRequests, { relaySecret: secret });
  expect(pending.map((p) => [p.requestId, p.status])).toEqual([["r1", "queued"]]);
});

test("cron requests: claimed once, and the first outcome stays", async () => {
  const { t, secret, device } = await world();
  await t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [job] });
  await t.mutation(api.agent.sync, { relaySecret: secret, cronControl: { enabled: true } });
  await t.mutation(api.cron.request, { deviceToken: device, requestId: "r1", jobId: "job-1", action: "run" });
  expect(await t.mutation(api.cron.claimRequest, { relaySecret: secret, requestId: "r1" })).toEqual({ claimed: true, status: "sending" });
  expect(await t.mutation(api.cron.claimRequest, { relaySecret: secret, requestId: "r1" })).toEqual({ claimed: false, status: "sending" });
  expect(await t.mutation(api.cron.completeRequest, { relaySecret: secret, requestId: "r1", outcome: "accepted", runId: "run-1" })).toEqual({ status: "accepted" });
  expect(await t.mutation(api.cron.completeRequest, { relaySecret: secret, requestId: "r1", outcome: "refused", reason: "late" })).toEqual({ status: "accepted" });
  expect(await t.query(api.cron.requestStatus, { deviceToken: device, requestId: "r1" })).toMatchObject({ status: "accepted", runId: "run-1" });
  expect(await t.query(api.cron.pendingRequests, { relaySecret: secret })).toEqual([]);
  expect(await t.query(api.cron.requestStatus, { deviceToken: device, requestId: "unknown" })).toBeNull();
});

test("cron requests: finished ones older than the retention period are deleted as new ones come in; recent ones stay", async () => {
  const { t, secret, device } = await world();
  await t.mutation(api.cron.syncJobs, { relaySecret: secret, jobs: [job] });
  await t.mutation(api.agent.sync, { relaySecret: secret, cronControl: { enabled: true } });
  await t.mutation(api.cron.request, { deviceToken: device, requestId: "old", jobId: "job-1", action: "run" });
  await t.mutation(api.cron.completeRequest, { relaySecret: secret, requestId: "old", outcome: "refused", reason: "x" });
  await t.mutation(api.cron.request, { deviceToken: device, requestId: "waiting", jobId: "job-1", action: "run" });
  jest.advanceTimersByTime(CRON_REQUEST_RETENTION_MS + 1000);
  await t.mutation(api.cron.request, { deviceToken: device, requestId: "new", jobId: "job-1", action: "run" });
  expect(await t.query(api.cron.requestStatus, { deviceToken: device, requestId: "old" })).toBeNull();
  expect(await t.query(api.cron.requestStatus, { deviceToken: device, requestId: "waiting" })).toMatchObject({ status: "queued" });
  expect(await t.query(api.cron.requestStatus, { deviceToken: device, requestId: "new" })).toMatchObject({ status: "queued" });
});
