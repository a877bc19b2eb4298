/** One sync WebSocket connection: its query set, identity and versions, processing its frames strictly in order. */
import type { WebSocket, RawData } from "ws";
import type { JSONValue } from "convex/values";
import { adminAuth, ANONYMOUS, AuthenticationError, identityFromJwt, type CallerAuth } from "./caller-auth.js";
import type { FunctionRunner } from "./function-runner.js";
import type { LocalConvexLogger } from "./local-logger.js";
import type { MutationLog, MutationOutcome } from "./mutation-log.js";
import { argsWithJournal, journalAfterRun } from "./query-journal.js";
import type { StatsCollector } from "./stats.js";
import {
  canonicalizeUdfPath,
  encodeServerMessage,
  parseClientMessage,
  ProtocolError,
  type AuthenticateMessage,
  type ClientMessage,
  type QueryJournal,
  type ServerMessage,
  type StateModification,
  type StateVersion,
} from "./sync-protocol.js";

/** Test and fault-injection hooks. */
export interface LocalConvexHooks {
  /** After a sync mutation ran (or was found in the replay log), before its response is sent. */
  beforeMutationResponse?: (event: {
    sessionId: string;
    requestId: number;
    udfPath: string;
    replayed: boolean;
  }) => void | Promise<void>;
}

/** What a session shares with the server. */
export interface SessionContext {
  runner: FunctionRunner;
  mutationLog: MutationLog;
  stats: StatsCollector;
  logger: LocalConvexLogger;
  adminKey: string | undefined;
  pingIntervalMs: number;
  hooks: LocalConvexHooks;
  /** Reads the current commit timestamp. */
  readTs: () => Promise<bigint>;
  /** Tells the server something may have been written, so every session re-syncs. */
  afterWrite: () => void;
}

interface Subscription {
  udfPath: string;
  args: JSONValue[];
  journal: QueryJournal;
  /** The last modification sent for this query, serialized; undefined until first sent. */
  lastSent?: string;
}

/** The failure half of Mutation/ActionResponse: the message travels in `result`, the ConvexError payload in `errorData`. */
function failure(outcome: { errorMessage: string; errorData?: JSONValue }) {
  return {
    success: false as const,
    result: outcome.errorMessage,
    ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
    logLines: [],
  };
}

export class SyncSession {
  private sessionId: string | undefined;
  private auth: CallerAuth = ANONYMOUS;
  private querySetVersion = 0;
  private identityVersion = 0;
  /** What the client last received: every Transition must start exactly here. */
  private sent: StateVersion = { querySet: 0, ts: 0n, identity: 0 };
  private readonly queries = new Map<number, Subscription>();
  private removed: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private syncQueued = false;
  private closed = false;
  private readonly pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: SessionContext,
    readonly onClosed: (session: SyncSession) => void,
  ) {
    socket.on("message", (data: RawData, isBinary: boolean) => this.enqueue(() => this.onFrame(data, isBinary)));
    socket.on("close", () => this.markClosed());
    socket.on("error", (error) => this.ctx.logger.debug("sync socket error", { error: error.message }));
    if (ctx.pingIntervalMs > 0) {
      // The client reconnects after 60 s without any server message; pings keep idle clients up.
      this.pingTimer = setInterval(() => this.send({ type: "Ping" }), ctx.pingIntervalMs);
    }
  }

  /** Something was committed: re-run this connection's queries (at most one sync waits in the queue). */
  notifyWrite(): void {
    if (this.syncQueued || this.closed) return;
    this.syncQueued = true;
    this.enqueue(async () => {
      this.syncQueued = false;
      await this.sync(false);
    });
  }

  /** Drops the connection without a close handshake, like a network failure. */
  terminate(): void {
    this.socket.terminate();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.onClosed(this);
  }

  // Frames are handled one at a time, in arrival order; a failing task never blocks the ones after it.
  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => {
        this.ctx.logger.error("sync session task failed", { error: String(error) });
      });
  }

  private async onFrame(data: RawData, isBinary: boolean): Promise<void> {
    let message: ClientMessage;
    try {
      if (isBinary) throw new ProtocolError("binary frames are not part of the sync protocol");
      message = parseClientMessage(Buffer.isBuffer(data) ? data.toString("utf8") : String(data));
      if (message.type !== "Connect" && this.sessionId === undefined) {
        throw new ProtocolError(`${message.type} before Connect`);
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.fatal(error.message);
      return;
    }
    await this.handle(message);
  }

  private fatal(reason: string): void {
    this.ctx.logger.warn("closing sync connection after a malformed frame", { reason });
    this.send({ type: "FatalError", error: reason });
    // A fixed close reason: the detail (which may echo client input) is in the FatalError.
    this.socket.close(1002, "protocol error");
    this.markClosed();
  }

  private async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case "Connect":
        if (this.sessionId !== undefined) return this.fatal("Connect sent twice on one connection");
        this.sessionId = message.sessionId;
        return;
      case "ModifyQuerySet":
        if (message.baseVersion !== this.querySetVersion) {
          return this.fatal(`ModifyQuerySet baseVersion ${message.baseVersion} != ${this.querySetVersion}`);
        }
        for (const change of message.modifications) {
          if (change.type === "Add") {
            const udfPath = canonicalizeUdfPath(change.udfPath);
            this.queries.set(change.queryId, { udfPath, args: change.args, journal: change.journal ?? null });
          } else if (this.queries.delete(change.queryId)) {
            this.removed.push(change.queryId);
          }
        }
        this.querySetVersion = message.newVersion;
        return await this.sync(true);
      case "Authenticate":
        return await this.authenticate(message);
      case "Mutation":
        return await this.mutation(message.requestId, message.udfPath, message.args);
      case "Action":
        return this.action(message.requestId, message.udfPath, message.args);
      case "Event":
        return; // client telemetry
    }
  }

  private async authenticate(message: AuthenticateMessage): Promise<void> {
    let auth: CallerAuth;
    try {
      if (message.tokenType === "None") auth = ANONYMOUS;
      else if (message.tokenType === "User") auth = { kind: "user", identity: identityFromJwt(message.value) };
      else auth = adminAuth(message.value, this.ctx.adminKey, message.impersonating);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      this.send({ type: "AuthError", error: error.message, baseVersion: message.baseVersion, authUpdateAttempted: true });
      return;
    }
    if (message.baseVersion !== this.identityVersion) {
      this.ctx.logger.debug("Authenticate with an unexpected baseVersion", {
        baseVersion: message.baseVersion,
        identityVersion: this.identityVersion,
      });
    }
    this.auth = auth;
    // The client counts auth as confirmed once a Transition raises identity to baseVersion + 1.
    this.identityVersion = message.baseVersion + 1;
    await this.sync(true);
  }

  private async mutation(requestId: number, rawPath: string, args: JSONValue[]): Promise<void> {
    const udfPath = canonicalizeUdfPath(rawPath);
    const sessionId = this.sessionId!;
    this.ctx.stats.request(udfPath);
    const { outcome, replayed } = await this.ctx.mutationLog.run(sessionId, requestId, async () => {
      const result = await this.ctx.runner.call("mutation", udfPath, args, this.auth);
      if (!result.success) return result;
      // Read after the commit: the response's ts must cover the write so the client can read it.
      return { success: true, value: result.value, ts: await this.ctx.readTs() } satisfies MutationOutcome;
    });
    if (replayed) this.ctx.stats.replayedMutation();
    else this.ctx.afterWrite();
    try {
      await this.ctx.hooks.beforeMutationResponse?.({ sessionId, requestId, udfPath, replayed });
    } catch (error) {
      this.ctx.logger.error("beforeMutationResponse hook failed", { error: String(error) });
    }
    if (this.closed) return;
    this.send(
      outcome.success
        ? { type: "MutationResponse", requestId, success: true, result: outcome.value, ts: outcome.ts, logLines: [] }
        : { type: "MutationResponse", requestId, ...failure(outcome) },
    );
    // A successful mutation's promise resolves only when a Transition reaches its ts: always send one.
    await this.sync(true);
  }

  // Actions run beside the queue: a long action must not hold back this connection's queries and
  // mutations (the real backend runs them concurrently too). Their writes go through ctx.runMutation.
  private action(requestId: number, rawPath: string, args: JSONValue[]): void {
    const udfPath = canonicalizeUdfPath(rawPath);
    this.ctx.stats.request(udfPath);
    void this.ctx.runner.call("action", udfPath, args, this.auth).then((outcome) => {
      this.ctx.afterWrite();
      this.send(
        outcome.success
          ? { type: "ActionResponse", requestId, success: true, result: outcome.value, logLines: [] }
          : { type: "ActionResponse", requestId, ...failure(outcome) },
      );
    });
  }

  /**
   * Brings the client to the current state: re-runs queries (all of them when the timestamp or
   * identity moved, else only new ones) and sends the changed results in one Transition.
   * `force` sends a Transition even when nothing changed (answers to ModifyQuerySet, Authenticate
   * and mutations must always get one).
   */
  private async sync(force: boolean): Promise<void> {
    // Read the timestamp before running the queries, so results are at least as new as it claims.
    const ts = await this.ctx.readTs();
    if (this.closed) return;
    const rerunAll = ts !== this.sent.ts || this.identityVersion !== this.sent.identity;
    const modifications: StateModification[] = this.removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
    this.removed = [];
    for (const [queryId, query] of this.queries) {
      if (!rerunAll && query.lastSent !== undefined) continue;
      const modification = await this.runQuery(queryId, query);
      const serialized = JSON.stringify(modification);
      if (serialized !== query.lastSent && this.queries.get(queryId) === query) {
        query.lastSent = serialized;
        modifications.push(modification);
      }
    }
    if (this.closed) return;
    const end: StateVersion = { querySet: this.querySetVersion, ts, identity: this.identityVersion };
    const moved = end.querySet !== this.sent.querySet || end.identity !== this.sent.identity;
    if (!force && !moved && modifications.length === 0) return;
    this.send({ type: "Transition", startVersion: this.sent, endVersion: end, modifications });
    this.sent = end;
  }

  private async runQuery(queryId: number, query: Subscription): Promise<StateModification> {
    const args = argsWithJournal(query.args, query.journal);
    const outcome = await this.ctx.runner.call("query", query.udfPath, args, this.auth);
    if (!outcome.success) {
      return {
        type: "QueryFailed",
        queryId,
        errorMessage: outcome.errorMessage,
        ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
        logLines: [],
        journal: query.journal,
      };
    }
    query.journal = journalAfterRun(query.args, query.journal, outcome.value);
    return { type: "QueryUpdated", queryId, value: outcome.value, logLines: [], journal: query.journal };
  }

  private send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(encodeServerMessage(message), (error) => {
      if (error) this.ctx.logger.debug("sync send failed", { error: error.message });
    });
  }
}
