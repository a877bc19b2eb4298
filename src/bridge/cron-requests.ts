/**
 * Carries out the app's cron requests (run now, enable, disable) once each: the row is claimed in Convex
 * before the Gateway call, so a retried request, a repeated subscription update or a relay restart never
 * runs a job twice. Only the three fixed methods are called, only with a job id the relay itself listed.
 */
import { gatewayFailureOf, UNCLASSIFIED_CODE } from "../gateway/gateway-errors.js";
import type { CronAction, CronRequestStatus } from "../../convex/lib/agent-fields.js";
import { MAX_CRON_FIELD_CHARS } from "../../convex/lib/agent-limits.js";
import type { Logger } from "../logging/logger.js";
import type { AgentGatewayPort } from "./agent-gateway.js";
import { clipChars, LIMITS } from "./clip.js";
import type { FunctionReturnType } from "convex/server";
import { api, type RelayArgs, type RelayMutation } from "../convex-sync/relay-api.js";
import type { ConvexWrites } from "./ports.js";

export interface CronRequestRow {
  requestId: string;
  jobId: string;
  action: CronAction;
  status: CronRequestStatus;
  createdAt: number;
}

/** What the requests need from Convex: ordered writes, and a claim Convex itself must answer. */
export interface CronRequestsConvex extends ConvexWrites {
  mutate<F extends RelayMutation>(fn: F, args: RelayArgs<F>): Promise<FunctionReturnType<F>>;
}

export interface CronRequestsOptions {
  gateway: AgentGatewayPort;
  convex: CronRequestsConvex;
  logger: Logger;
  /** Requests older than this when the relay could carry them out are expired, like app messages. */
  maxAgeMs: number;
  /** Whether cron control is on now; the reason shown when it is off. */
  control: () => { enabled: boolean; reason?: string };
  /** The job ids the relay listed to Convex on this connection; undefined until it has. */
  knownJobIds: () => ReadonlySet<string> | undefined;
  /** Called after a request changed a job, so the list is read again. */
  jobsChanged: () => void;
  now?: () => number;
}

export const STOPPED_MID_REQUEST =
  "the relay stopped before the Gateway answered this request; it was not sent again (check the job's last run)";

export class CronRequests {
  private rows: CronRequestRow[] = [];
  /** Requests this process has claimed or finished: a subscription update that still lists them is ignored. */
  private readonly handled = new Set<string>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: CronRequestsOptions) {}

  /** The subscription's latest list of unfinished requests. */
  update(rows: readonly CronRequestRow[]): void {
    this.rows = [...rows];
    this.pump();
  }

  /** The Gateway came back: queued requests may be carried out now. */
  connected(): void {
    this.pump();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Handles one batch at a time; an update during a batch runs another after it. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        for (const row of this.rows) {
          if (this.stopped) return;
          if (this.handled.has(row.requestId)) continue;
          await this.handle(row).catch((error: unknown) => {
            this.options.logger.warn("cron request not handled; will retry", { requestId: row.requestId, reason: String(error) });
          });
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private async handle(row: CronRequestRow): Promise<void> {
    const { options } = this;
    const now = options.now?.() ?? Date.now();
    if (row.status === "sending") {
      // Claimed by an earlier relay process that ended before writing the outcome: never sent twice.
      return this.complete(row, "refused", { reason: STOPPED_MID_REQUEST });
    }
    if (now - row.createdAt > options.maxAgeMs) {
      return this.complete(row, "expired", { reason: `not carried out within ${Math.round(options.maxAgeMs / 1000)} s` });
    }
    // Not connected, or the jobs not listed yet: left queued; connected() or the next update tries again until it expires.
    const known = options.knownJobIds();
    if (!options.gateway.isConnected() || known === undefined) return;
    const control = options.control();
    if (!control.enabled) return this.complete(row, "refused", { reason: `cron control is off: ${control.reason ?? "not enabled"}` });
    if (!known.has(row.jobId)) return this.complete(row, "refused", { reason: "no such cron job on this relay" });
    const claim = await options.convex.mutate(api.cron.claimRequest, { requestId: row.requestId });
    this.handled.add(row.requestId);
    if (!claim.claimed) return;
    options.logger.info("cron request", { requestId: row.requestId, action: row.action, jobId: row.jobId });
    try {
      if (row.action === "run") {
        const result = await options.gateway.cronRun(row.jobId);
        if ("runId" in result) await this.complete(row, "accepted", { runId: result.runId });
        else await this.complete(row, "refused", { reason: result.notRun });
      } else {
        const enabled = row.action === "enable";
        const result = await options.gateway.cronSetEnabled(row.jobId, enabled);
        if (result.enabled === enabled) await this.complete(row, "accepted", {});
        else await this.complete(row, "refused", { reason: `the Gateway left the job ${result.enabled ? "enabled" : "disabled"}` });
      }
    } catch (error) {
      const failure = gatewayFailureOf(error);
      // Said once: the Gateway's code, then its own words (an error of ours has no code worth showing).
      const reason = failure.code === UNCLASSIFIED_CODE ? failure.reason : `${failure.code}: ${failure.reason}`;
      await this.complete(row, "refused", { reason });
    }
    options.jobsChanged();
  }

  private async complete(row: CronRequestRow, outcome: "accepted" | "refused" | "expired", detail: { runId?: string; reason?: string }): Promise<void> {
    this.handled.add(row.requestId);
    await this.options.convex.write(api.cron.completeRequest, {
      requestId: row.requestId,
      outcome,
      ...(detail.runId !== undefined ? { runId: clipChars(detail.runId, MAX_CRON_FIELD_CHARS) } : {}),
      ...(detail.reason !== undefined ? { reason: clipChars(detail.reason, LIMITS.reason) } : {}),
    });
    if (outcome !== "accepted") this.options.logger.info(`cron request ${outcome}`, { requestId: row.requestId, reason: detail.reason });
  }
}
