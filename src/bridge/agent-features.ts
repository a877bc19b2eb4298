/** Wires agent state, cron listing and cron requests to the Gateway connection and Convex (called by run-relay). */
import { api, type RelayArgs, type RelayQuery, type RelayResult } from "../convex-sync/relay-api.js";
import type { GatewayConnection } from "../gateway/index.js";
import type { Logger } from "../logging/logger.js";
import { AgentGateway } from "./agent-gateway.js";
import { AgentStateSync, type CronControlState } from "./agent-state-sync.js";
import { CronRequests, type CronRequestRow, type CronRequestsConvex } from "./cron-requests.js";

/** cron.run and cron.update need this scope (OpenClaw 2026.9: operator.admin, not operator.write). */
export const CRON_CONTROL_SCOPE = "operator.admin";
/** Identities have no change event; health, skills and cron do, so this refresh is a backstop. */
export const AGENT_STATE_REFRESH_MS = 60_000;

export interface AgentFeaturesConvex extends CronRequestsConvex {
  subscribe<Q extends RelayQuery>(query: Q, args: RelayArgs<Q>, onUpdate: (value: RelayResult<Q>) => void, onError: (error: Error) => void): () => void;
}

export interface AgentFeaturesOptions {
  connection: GatewayConnection;
  convex: AgentFeaturesConvex;
  logger: Logger;
  /** `relay.cronControl` in config.json: ask for operator.admin so the app may run and toggle jobs. */
  cronControl: boolean;
  maxAgeMs: number;
  refreshMs?: number;
}

export interface AgentFeatures {
  /** For runtime.json and `status`. */
  cronControl(): CronControlState;
  /** Subscriptions carry the secret they were made with: made again after `pair --reset`. */
  resubscribe(): void;
  stop(): void;
}

/** Why cron control is off, or on: from the config switch and the scopes the Gateway granted. */
export function cronControlState(configured: boolean, connected: boolean, scopes: readonly string[]): CronControlState {
  if (!configured) return { enabled: false, reason: `off in the relay's config (relay.cronControl); running and toggling jobs needs ${CRON_CONTROL_SCOPE}` };
  if (!connected) return { enabled: false, reason: "the Gateway is not connected" };
  if (!scopes.includes(CRON_CONTROL_SCOPE)) return { enabled: false, reason: `the Gateway did not grant ${CRON_CONTROL_SCOPE}` };
  return { enabled: true };
}

export function startAgentFeatures(options: AgentFeaturesOptions): AgentFeatures {
  const { connection, convex, logger } = options;
  const gateway = new AgentGateway(connection);
  const state = new AgentStateSync({ gateway, convex, logger, refreshMs: options.refreshMs ?? AGENT_STATE_REFRESH_MS });
  const control = () => cronControlState(options.cronControl, gateway.isConnected(), gateway.grantedScopes());
  const requests = new CronRequests({
    gateway,
    convex,
    logger,
    maxAgeMs: options.maxAgeMs,
    control,
    knownJobIds: () => state.cronJobIds,
    jobsChanged: () => state.changed("cron"),
  });
  const reportControl = () => void state.setCronControl(control()).catch(() => undefined);
  const offs = [
    connection.on("connected", () => {
      reportControl();
      state.connected();
      // Requests wait for the job list: a request may name only a job the relay listed.
      void state.sync("cron").then(() => requests.connected());
    }),
    connection.on("disconnected", () => state.disconnected()),
    connection.on("health", () => state.changed("health")),
    connection.on("cron", () => state.changed("cron")),
    connection.on("skills.changed", () => state.changed("skills")),
  ];
  let unsubscribe = () => {};
  const subscribe = () => {
    unsubscribe();
    unsubscribe = convex.subscribe(
      api.cron.pendingRequests,
      {},
      (rows) => requests.update(Array.isArray(rows) ? rows : []),
      (error) => logger.error("Convex subscription cronRequests failed", { error: error.message }),
    );
  };
  subscribe();
  reportControl();
  return {
    cronControl: control,
    resubscribe: subscribe,
    stop: () => {
      for (const off of offs) off();
      unsubscribe();
      state.stop();
      requests.stop();
    },
  };
}
