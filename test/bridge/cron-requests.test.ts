/** CronRequests: each app request is claimed before the Gateway call and carried out at most once, with its outcome written. */
import { CronRequests, STOPPED_MID_REQUEST, type CronRequestRow } from "../../src/bridge/cron-requests.js";
import { getFunctionName, type FunctionReturnType } from "convex/server";
import type { RelayArgs, RelayMutation } from "../../src/convex-sync/relay-api.js";
import type { Logger } from "../../src/logging/logger.js";
import { captureLogger } from "../support/capture-logger.js";
import { FakeAgentGateway } from "./agent-fakes.js";
import { RecordingConvex } from "./fakes.js";

/** Convex as the relay sees it, with claimRequest answered like convex/cron.ts does (queued → sending once). */
class ClaimingConvex extends RecordingConvex {
  readonly claimed = new Set<string>();
  claims: string[] = [];
  mutate<F extends RelayMutation>(fn: F, args: RelayArgs<F>): Promise<FunctionReturnType<F>> {
    if (getFunctionName(fn) !== "cron:claimRequest") return Promise.reject(new Error(`unexpected ${getFunctionName(fn)}`));
    const id = (args as unknown as { requestId: string }).requestId;
    this.claims.push(id);
    const claimed = !this.claimed.has(id);
    this.claimed.add(id);
    return Promise.resolve({ claimed, status: "sending" } as FunctionReturnType<F>);
  }
}

const NOW = 1_000_000;
const row = (over: Partial<CronRequestRow> = {}): CronRequestRow => ({ requestId: "req-1", jobId: "job-1", action: "run", status: "queued", createdAt: NOW - 1000, ...over });

function setup(options: { enabled?: boolean; jobs?: string[]; listed?: () => boolean } = {}) {
  const gateway = new FakeAgentGateway();
  const convex = new ClaimingConvex();
  const { logger } = captureLogger();
  let listed = 0;
  const requests = new CronRequests({
    gateway,
    convex,
    logger: logger as unknown as Logger,
    maxAgeMs: 60_000,
    control: () =>
      options.enabled === false ? { enabled: false, reason: "off in the relay's config" } : gateway.connected ? { enabled: true } : { enabled: false, reason: "the Gateway is not connected" },
    knownJobIds: () => (options.listed?.() === false ? undefined : new Set(options.jobs ?? ["job-1", "job-2"])),
    jobsChanged: () => void (listed += 1),
    now: () => NOW,
  });
  return { gateway, convex, requests, listed: () => listed };
}

test("run now: claimed, then cron.run once, accepted with the Gateway's run id, and the job list refreshed", async () => {
  const { gateway, convex, requests, listed } = setup();
  requests.update([row()]);
  await requests.pump();
  expect(convex.claims).toEqual(["req-1"]);
  expect(gateway.runs).toEqual(["job-1"]);
  expect(convex.calls("cron:completeRequest")).toEqual([{ requestId: "req-1", outcome: "accepted", runId: "run-job-1" }]);
  expect(listed()).toBe(1);
});

test("the same request in repeated updates (and as `sending` after its claim) runs once", async () => {
  const { gateway, requests } = setup();
  requests.update([row()]);
  requests.update([row()]);
  await requests.pump();
  requests.update([row({ status: "sending" })]);
  await requests.pump();
  expect(gateway.runs).toEqual(["job-1"]);
});

test("a request another process already claimed is not sent", async () => {
  const { gateway, convex, requests } = setup();
  convex.claimed.add("req-1");
  requests.update([row()]);
  await requests.pump();
  expect(gateway.runs).toEqual([]);
  expect(convex.calls("cron:completeRequest")).toEqual([]);
});

test("a `sending` request left by a stopped relay is refused, never sent again", async () => {
  const { gateway, convex, requests } = setup();
  requests.update([row({ status: "sending" })]);
  await requests.pump();
  expect(gateway.calls).toEqual([]);
  expect(convex.calls("cron:completeRequest")).toEqual([{ requestId: "req-1", outcome: "refused", reason: STOPPED_MID_REQUEST }]);
});

test("enable and disable call cron.update with that state", async () => {
  const { gateway, convex, requests } = setup();
  requests.update([row({ requestId: "a", action: "disable" }), row({ requestId: "b", action: "enable", jobId: "job-2" })]);
  await requests.pump();
  expect(gateway.toggles).toEqual([{ jobId: "job-1", enabled: false }, { jobId: "job-2", enabled: true }]);
  expect(convex.calls("cron:completeRequest").map((c) => c.outcome)).toEqual(["accepted", "accepted"]);
});

test("a job id the relay did not list (shell metacharacters included) is refused without any Gateway call", async () => {
  const { gateway, convex, requests } = setup();
  requests.update([row({ jobId: "job-1; rm -rf ~" }), row({ requestId: "req-2", jobId: "$(reboot)" })]);
  await requests.pump();
  expect(gateway.calls).toEqual([]);
  expect(convex.claims).toEqual([]);
  expect(convex.calls("cron:completeRequest").map((c) => [c.outcome, c.reason])).toEqual([
    ["refused", "no such cron job on this relay"],
    ["refused", "no such cron job on this relay"],
  ]);
});

test("with cron control off, requests are refused with the reason", async () => {
  const { gateway, convex, requests } = setup({ enabled: false });
  requests.update([row()]);
  await requests.pump();
  expect(gateway.calls).toEqual([]);
  expect(convex.calls("cron:completeRequest")).toEqual([{ requestId: "req-1", outcome: "refused", reason: "cron control is off: off in the relay's config" }]);
});

test("a request older than the maximum age is expired, not carried out late", async () => {
  const { gateway, convex, requests } = setup();
  requests.update([row({ createdAt: NOW - 61_000 })]);
  await requests.pump();
  expect(gateway.calls).toEqual([]);
  expect(convex.calls("cron:completeRequest")[0]).toMatchObject({ requestId: "req-1", outcome: "expired" });
});

test("a Gateway refusal is written back as the reason; a run the Gateway did not start is refused", async () => {
  const { gateway, convex, requests } = setup();
  gateway.failWith = new Error("Automation not found: job-1");
  requests.update([row()]);
  await requests.pump();
  gateway.failWith = undefined;
  gateway.runResult = () => Promise.resolve({ notRun: "already-running" });
  requests.update([row({ requestId: "req-2" })]);
  await requests.pump();
  expect(convex.calls("cron:completeRequest")).toEqual([
    { requestId: "req-1", outcome: "refused", reason: "Automation not found: job-1" },
    { requestId: "req-2", outcome: "refused", reason: "already-running" },
  ]);
});

test("while the Gateway is away a request waits queued, and goes out once it is back", async () => {
  const { gateway, convex, requests } = setup();
  gateway.connected = false;
  requests.update([row()]);
  await requests.pump();
  expect(convex.claims).toEqual([]);
  expect(convex.writes).toEqual([]);
  gateway.connected = true;
  await requests.pump();
  expect(gateway.runs).toEqual(["job-1"]);
});

test("before the jobs are listed on this connection a request waits, and runs once they are", async () => {
  let listed = false;
  const { gateway, convex, requests } = setup({ listed: () => listed });
  requests.update([row()]);
  await requests.pump();
  expect(convex.writes).toEqual([]);
  expect(convex.claims).toEqual([]);
  listed = true;
  await requests.pump();
  expect(gateway.runs).toEqual(["job-1"]);
});
