/**
 * Cron jobs from the app: the relay lists the Gateway's jobs here, a paired device asks to run or toggle
 * one by a typed request row naming a listed job id, and the relay carries it out once and writes the outcome.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel.js";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import * as A from "./lib/agent-limits.js";
import { cronAction, cronJob, cronRequestFields, cronRequestStatus, type CronJob } from "./lib/agent-fields.js";
import { requireDevice, requireInstance } from "./lib/auth.js";
import { badRequest, fail } from "./lib/errors.js";
import * as L from "./lib/limits.js";
import { takeToken } from "./lib/ratelimit.js";
import { optionalString, requireString, requireTimestamp } from "./lib/validate.js";

const requestRow = v.object(cronRequestFields);

function toRequestRow(row: Doc<"cronRequests">) {
  return {
    requestId: row.requestId,
    jobId: row.jobId,
    action: row.action,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...(row.runId !== undefined ? { runId: row.runId } : {}),
    ...(row.reason !== undefined ? { reason: row.reason } : {}),
  };
}

function toJob(row: Doc<"cronJobs">): CronJob {
  const { _id, _creationTime, instanceId, ...job } = row;
  return job;
}

function checkJob(job: CronJob): void {
  requireString("jobs[].jobId", job.jobId, A.MAX_CRON_FIELD_CHARS);
  requireString("jobs[].name", job.name, A.MAX_CRON_FIELD_CHARS);
  requireString("jobs[].schedule", job.schedule, A.MAX_CRON_FIELD_CHARS);
  if (job.nextRunAt !== undefined) requireTimestamp("jobs[].nextRunAt", job.nextRunAt);
  if (job.lastRunAt !== undefined) requireTimestamp("jobs[].lastRunAt", job.lastRunAt);
  optionalString("jobs[].lastRunStatus", job.lastRunStatus, A.MAX_CRON_FIELD_CHARS);
  optionalString("jobs[].lastRunError", job.lastRunError, L.MAX_REASON_CHARS);
}

async function findRequest(ctx: Pick<QueryCtx, "db">, instanceId: Id<"instances">, requestId: string) {
  return ctx.db
    .query("cronRequests")
    .withIndex("by_instance_request", (q) => q.eq("instanceId", instanceId).eq("requestId", requestId))
    .unique();
}

async function findJob(ctx: Pick<QueryCtx, "db">, instanceId: Id<"instances">, jobId: string) {
  return ctx.db
    .query("cronJobs")
    .withIndex("by_instance_job", (q) => q.eq("instanceId", instanceId).eq("jobId", jobId))
    .unique();
}

/** Deletes a few finished requests older than the retention period: each new request pays for its share. */
async function pruneFinished(ctx: MutationCtx, instanceId: Id<"instances">, now: number): Promise<void> {
  const cutoff = now - A.CRON_REQUEST_RETENTION_MS;
  for (const status of ["accepted", "refused", "expired"] as const) {
    const old = await ctx.db
      .query("cronRequests")
      .withIndex("by_instance_status_created", (q) => q.eq("instanceId", instanceId).eq("status", status).lt("createdAt", cutoff))
      .take(A.CRON_REQUEST_PRUNE_BATCH);
    for (const row of old) await ctx.db.delete(row._id);
  }
}

/** The relay's full list: jobs not in it are removed, changed ones replaced, so requests can only name current jobs. */
export const syncJobs = mutation({
  args: { relaySecret: v.string(), jobs: v.array(cronJob) },
  returns: v.object({ inserted: v.number(), updated: v.number(), removed: v.number() }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    if (args.jobs.length > A.MAX_CRON_JOBS) badRequest(`jobs must hold at most ${A.MAX_CRON_JOBS} entries (got ${args.jobs.length})`);
    args.jobs.forEach(checkJob);
    const wanted = new Map(args.jobs.map((job) => [job.jobId, job]));
    if (wanted.size !== args.jobs.length) badRequest("jobs must not repeat a jobId");
    const stored = await ctx.db
      .query("cronJobs")
      .withIndex("by_instance_job", (q) => q.eq("instanceId", instance._id))
      .take(A.MAX_CRON_JOBS + 1);
    let updated = 0;
    let removed = 0;
    for (const row of stored) {
      const job = wanted.get(row.jobId);
      wanted.delete(row.jobId);
      if (!job) {
        await ctx.db.delete(row._id);
        removed += 1;
      } else if (JSON.stringify(toJob(row)) !== JSON.stringify(job)) {
        await ctx.db.replace(row._id, { instanceId: instance._id, ...job });
        updated += 1;
      }
    }
    for (const job of wanted.values()) await ctx.db.insert("cronJobs", { instanceId: instance._id, ...job });
    return { inserted: wanted.size, updated, removed };
  },
});

/** Requests the relay has yet to finish, oldest first: `queued`, and `sending` ones a stopped relay left behind. */
export const pendingRequests = query({
  args: { relaySecret: v.string() },
  returns: v.array(requestRow),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const rows: Doc<"cronRequests">[] = [];
    for (const status of ["sending", "queued"] as const) {
      rows.push(
        ...(await ctx.db
          .query("cronRequests")
          .withIndex("by_instance_status_created", (q) => q.eq("instanceId", instance._id).eq("status", status))
          .take(A.MAX_PENDING_CRON_REQUESTS)),
      );
    }
    return rows.map(toRequestRow);
  },
});

/** queued → sending, before the relay calls the Gateway: a request is sent at most once. `claimed` is false otherwise. */
export const claimRequest = mutation({
  args: { relaySecret: v.string(), requestId: v.string() },
  returns: v.object({ claimed: v.boolean(), status: cronRequestStatus }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    const row = await findRequest(ctx, instance._id, args.requestId);
    if (row === null) fail("NOT_FOUND", "no such cron request");
    if (row.status !== "queued") return { claimed: false, status: row.status };
    await ctx.db.patch(row._id, { status: "sending", updatedAt: Date.now() });
    return { claimed: true, status: "sending" as const };
  },
});

/** The outcome, from `queued` or `sending` only; a finished request keeps its first outcome. */
export const completeRequest = mutation({
  args: {
    relaySecret: v.string(),
    requestId: v.string(),
    outcome: v.union(v.literal("accepted"), v.literal("refused"), v.literal("expired")),
    runId: v.optional(v.string()),
    reason: v.optional(v.string()),
  },
  returns: v.object({ status: cronRequestStatus }),
  handler: async (ctx, args) => {
    const instance = await requireInstance(ctx, args.relaySecret);
    optionalString("runId", args.runId, A.MAX_CRON_FIELD_CHARS);
    optionalString("reason", args.reason, L.MAX_REASON_CHARS);
    const row = await findRequest(ctx, instance._id, args.requestId);
    if (row === null) fail("NOT_FOUND", "no such cron request");
    if (row.status !== "queued" && row.status !== "sending") return { status: row.status };
    await ctx.db.patch(row._id, {
      status: args.outcome,
      updatedAt: Date.now(),
      ...(args.runId !== undefined ? { runId: args.runId } : {}),
      ...(args.reason !== undefined ? { reason: args.reason } : {}),
    });
    return { status: args.outcome };
  },
});

/** The device's relay's cron jobs, by name. */
export const jobs = query({
  args: { deviceToken: v.string() },
  returns: v.array(cronJob),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const rows = await ctx.db
      .query("cronJobs")
      .withIndex("by_instance_job", (q) => q.eq("instanceId", instance._id))
      .take(A.MAX_CRON_JOBS);
    return rows.map(toJob).sort((a, b) => a.name.localeCompare(b.name) || a.jobId.localeCompare(b.jobId));
  },
});

/**
 * Asks the relay to run a job now or enable/disable it. `requestId` is the device's own idempotency key:
 * the same request again returns the same row (and the job still runs once). Only a job the relay listed
 * may be named (else NOT_FOUND), and only while the relay reports cron control on (else BAD_REQUEST).
 */
export const request = mutation({
  args: { deviceToken: v.string(), requestId: v.string(), jobId: v.string(), action: cronAction },
  returns: v.object({ requestId: v.string(), status: cronRequestStatus }),
  handler: async (ctx, args) => {
    const { device, instance } = await requireDevice(ctx, args.deviceToken);
    const requestId = requireString("requestId", args.requestId, A.MAX_REQUEST_ID_CHARS);
    const jobId = requireString("jobId", args.jobId, A.MAX_CRON_FIELD_CHARS);
    const existing = await findRequest(ctx, instance._id, requestId);
    if (existing !== null) {
      if (existing.jobId !== jobId || existing.action !== args.action) badRequest("requestId was already used for another request");
      return { requestId, status: existing.status };
    }
    if ((await findJob(ctx, instance._id, jobId)) === null) fail("NOT_FOUND", "no such cron job on this relay");
    const control = (
      await ctx.db
        .query("agentState")
        .withIndex("by_instance", (q) => q.eq("instanceId", instance._id))
        .unique()
    )?.cronControl;
    if (control?.enabled !== true) badRequest(`cron control is off on this relay${control?.reason ? `: ${control.reason}` : ""}`);
    const now = Date.now();
    const retryAfterMs = await takeToken(ctx, `cron:${device._id}`, A.CRON_REQUEST_RATE, now);
    if (retryAfterMs !== null) fail("RATE_LIMITED", `too many cron requests; wait ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
    await pruneFinished(ctx, instance._id, now);
    await ctx.db.insert("cronRequests", {
      instanceId: instance._id,
      deviceId: device._id,
      requestId,
      jobId,
      action: args.action,
      status: "queued",
      createdAt: now,
      updatedAt: now,
    });
    return { requestId, status: "queued" as const };
  },
});

/** One of the instance's requests by its id, or null. */
export const requestStatus = query({
  args: { deviceToken: v.string(), requestId: v.string() },
  returns: v.union(v.null(), requestRow),
  handler: async (ctx, args) => {
    const { instance } = await requireDevice(ctx, args.deviceToken);
    const row = await findRequest(ctx, instance._id, requireString("requestId", args.requestId, A.MAX_REQUEST_ID_CHARS));
    return row === null ? null : toRequestRow(row);
  },
});
