/** The relay's Gateway connection: one official client per attempt, our own reconnect policy and liveness watch. */
import type { GatewayClientCloseInfo } from "@openclaw/gateway-client";

export type * from "./gateway-connection-types.js";
import type { EventFrame, HelloOk } from "@openclaw/gateway-protocol/frame-guards";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import {
  buildClientOptions,
  createOfficialGatewayClient,
  REQUIRED_SCOPES,
  type CreateGatewayClient,
  type GatewayClientLike,
} from "./gateway-client-factory.js";
import {
  classifyConnectFailure,
  connectFailureHint,
  GatewayAuthError,
  GatewayNotConnectedError,
  GatewayRequestError,
  toGatewayError,
} from "./gateway-errors.js";
import { helloInfo, type GatewayHelloInfo, type ShutdownEvent } from "./gateway-events.js";
import type { GatewayAuthFailedInfo, GatewayConnectionEvents, GatewayConnectionOptions, GatewayConnectionState } from "./gateway-connection-types.js";
import { routeGatewayEvent } from "./gateway-event-router.js";
import * as methods from "./gateway-methods.js";
import { GATEWAY_LIVENESS, LivenessWatchdog, type LivenessLimits } from "./liveness-watchdog.js";
import { ReconnectPolicy, type DisconnectCause } from "./reconnect-policy.js";
import { TypedEmitter } from "./typed-emitter.js";

interface Attempt {
  client: GatewayClientLike;
  starting: boolean;
  startError: unknown;
  connectError: unknown;
  helloed: boolean;
  ready: boolean;
  ended: boolean;
  shutdown: ShutdownEvent | undefined;
  timer: TimerHandle | undefined;
}

type EndDetail = { code?: string | undefined; hint?: string };

/**
 * The liveness probe: needs only operator.read, is answered from memory, and the Gateway logs only
 * failed or slow (>= 50 ms) answers, so a probe every few idle seconds leaves its log alone. (The
 * official client keeps its `ws` socket private, so a WebSocket ping is not available to us.)
 */
const PROBE_METHOD = "last-heartbeat";

export class GatewayConnection {
  private readonly options: GatewayConnectionOptions;
  private readonly clock: Clock;
  private readonly policy: ReconnectPolicy;
  private readonly watchdog: LivenessWatchdog;
  private readonly liveness: LivenessLimits;
  private readonly emitter: TypedEmitter<GatewayConnectionEvents>;
  private readonly createClient: CreateGatewayClient;
  private attempt: Attempt | undefined;
  private retryTimer: TimerHandle | undefined;
  private current: GatewayConnectionState = "idle";
  private stopped = false;
  private helloNow: GatewayHelloInfo | undefined;
  private lastReason = "";
  private lastErrorValue: { code: string | undefined; message: string; at: number } | undefined;
  private lastAuthFailure: GatewayAuthFailedInfo | undefined;

  constructor(options: GatewayConnectionOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.policy = new ReconnectPolicy({ ...options.reconnect, ...(options.random ? { random: options.random } : {}) });
    this.createClient = options.createClient ?? createOfficialGatewayClient;
    this.emitter = new TypedEmitter((event, error) =>
      options.logger.error(`gateway: a ${event} listener threw: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.liveness = { ...GATEWAY_LIVENESS, ...options.liveness };
    this.watchdog = new LivenessWatchdog(this.clock, {
      probe: () => this.probe(),
      dead: (silentMs) => {
        const attempt = this.attempt;
        if (!attempt) return;
        options.logger.warn(`gateway: nothing received for ${Math.round(silentMs / 1000)} s, not even an answer to a probe; closing and reconnecting`);
        this.endAttempt(attempt, { kind: "dropped" }, `liveness timeout (${silentMs} ms without a frame)`);
      },
    });
  }

  get state(): GatewayConnectionState {
    return this.current;
  }
  /** The current connection's hello-ok facts, while connected. */
  get hello(): GatewayHelloInfo | undefined {
    return this.current === "connected" ? this.helloNow : undefined;
  }
  get deviceId(): string {
    return this.options.identity.deviceId;
  }
  get url(): string {
    return this.options.url;
  }
  /** The last failure, for status reports (never contains secrets or message text). */
  get lastError(): { code: string | undefined; message: string; at: number } | undefined {
    return this.lastErrorValue;
  }

  on<K extends keyof GatewayConnectionEvents>(event: K, listener: (payload: GatewayConnectionEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  start(): void {
    if (this.stopped) throw new Error("GatewayConnection: stop() is final; create a new connection");
    if (this.attempt || this.retryTimer !== undefined) return;
    this.connect();
  }

  /** Skips the current backoff wait (e.g. after the user fixed the token). */
  reconnectNow(): void {
    if (this.stopped || this.attempt) return;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const attempt = this.attempt;
    if (attempt) this.endAttempt(attempt, { kind: "dropped" }, "stopped");
    this.setState("stopped");
    const waitable = attempt?.client as { stopAndWait?: (o?: { timeoutMs?: number }) => Promise<void> } | undefined;
    await waitable?.stopAndWait?.({ timeoutMs: 2000 }).catch(() => {});
  }

  /** Resolves with the hello info once connected; rejects on an auth failure or after `timeoutMs`. */
  waitUntilConnected(timeoutMs = 30_000): Promise<GatewayHelloInfo> {
    const hello = this.hello;
    if (hello) return Promise.resolve(hello);
    const refused = this.lastAuthFailure;
    if (this.current === "auth-failed" && refused) return Promise.reject(new GatewayAuthError(refused.code, refused.message, refused.hint));
    return new Promise((resolve, reject) => {
      const offs: Array<() => void> = [];
      const done = () => {
        offs.forEach((off) => off());
        this.clock.clearTimeout(timer);
      };
      const timer = this.clock.setTimeout(() => {
        done();
        reject(new Error(`gateway not connected after ${timeoutMs} ms (state ${this.current}; last: ${this.lastReason || "none"})`));
      }, timeoutMs);
      offs.push(this.emitter.on("connected", (info) => (done(), resolve(info))));
      offs.push(this.emitter.on("auth-failed", (info) => (done(), reject(new GatewayAuthError(info.code, info.message, info.hint)))));
    });
  }

  async chatSend(request: methods.ChatSendRequest, opts: { timeoutMs?: number } = {}): Promise<methods.ChatSendAck> {
    return methods.parseChatSendAck(await this.call("chat.send", request, opts.timeoutMs));
  }
  async chatAbort(request: methods.ChatAbortRequest): Promise<methods.ChatAbortResult> {
    return methods.parseChatAbortResult(await this.call("chat.abort", request));
  }
  async chatHistory(request: methods.ChatHistoryRequest): Promise<methods.ChatHistoryResult> {
    const payload = await this.call("chat.history", request);
    return methods.parseChatHistoryResult(payload, request.sessionKey, (n) => this.options.logger.warn(`gateway: chat.history: skipped ${n} malformed rows`));
  }
  async chatMessageGet(request: methods.ChatMessageGetRequest): Promise<methods.ChatMessageGetResult> {
    return methods.parseChatMessageGetResult(await this.call("chat.message.get", request));
  }
  async sessionsList(params: methods.SessionsListParams = {}): Promise<methods.SessionsListResult> {
    const payload = await this.call("sessions.list", params);
    return methods.parseSessionsListResult(payload, (n) => this.options.logger.warn(`gateway: sessions.list: skipped ${n} malformed rows`));
  }
  /** Done automatically after every hello-ok; exposed for callers that want to be explicit. */
  async sessionsSubscribe(): Promise<void> {
    await this.call("sessions.subscribe", {});
  }
  /** Any other method, untyped answer. */
  request(method: string, params: unknown = {}, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    return this.call(method, params, opts.timeoutMs);
  }

  private setState(state: GatewayConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.emitter.emit("state", state);
  }

  private connect(): void {
    this.retryTimer = undefined;
    const attempt: Attempt = {
      client: undefined as unknown as GatewayClientLike,
      starting: true,
      startError: undefined,
      connectError: undefined,
      helloed: false,
      ready: false,
      ended: false,
      shutdown: undefined,
      timer: undefined,
    };
    this.attempt = attempt;
    this.setState("connecting");
    attempt.client = this.createClient(
      buildClientOptions(this.options, {
        onHelloOk: (hello) => this.onHello(attempt, hello),
        onEvent: (frame) => this.onFrame(attempt, frame),
        onConnectError: (error) => {
          if (attempt.starting) attempt.startError = error;
          attempt.connectError = error;
        },
        onClose: (code, reason, info) => this.onClose(attempt, code, reason, info),
      }),
    );
    const attemptTimeoutMs = this.options.attemptTimeoutMs ?? 45_000;
    attempt.timer = this.clock.setTimeout(() => {
      if (!attempt.ready) this.endAttempt(attempt, { kind: "dropped" }, `connect attempt timed out after ${attemptTimeoutMs} ms`);
    }, attemptTimeoutMs);
    try {
      attempt.client.start();
    } catch (error) {
      attempt.startError = error;
    }
    attempt.starting = false;
    // A synchronous failure means no socket was opened (bad URL, plaintext ws:// to a remote host): no close will follow.
    if (attempt.startError !== undefined) {
      const message = attempt.startError instanceof Error ? attempt.startError.message : String(attempt.startError);
      this.endAttempt(attempt, { kind: "fatal" }, `cannot connect to ${this.options.url}: ${message}`, { code: "CONNECT_SETUP_FAILED" });
    }
  }

  private onHello(attempt: Attempt, hello: HelloOk): void {
    if (attempt !== this.attempt || attempt.ended) return;
    const info = helloInfo(hello, this.options.url, this.deviceId);
    if (!info) {
      this.endAttempt(attempt, { kind: "dropped" }, "malformed hello-ok");
      return;
    }
    const required = this.options.scopes ?? REQUIRED_SCOPES;
    const missing = info.scopes.includes("operator.admin") ? [] : required.filter((scope) => !info.scopes.includes(scope));
    if (missing.length > 0) {
      // The Gateway silently strips scopes it won't grant; every call would then fail MISSING_SCOPE.
      const message = `the Gateway granted [${info.scopes.join(", ")}] but the relay needs ${missing.join(" and ")} (device ${this.deviceId})`;
      this.endAttempt(attempt, { kind: "auth-failed" }, message, { code: "MISSING_SCOPES", hint: connectFailureHint("MISSING_SCOPES") });
      return;
    }
    attempt.helloed = true;
    this.policy.reset();
    this.helloNow = info;
    this.watchdog.start(this.liveness);
    if (this.options.subscribeSessions === false) {
      this.markReady(attempt, info);
      return;
    }
    // Subscribe before announcing `connected`, so a catch-up started by a listener can't miss events.
    this.rawCall(attempt, "sessions.subscribe", {}).then(
      () => this.markReady(attempt, info),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.endAttempt(attempt, { kind: "dropped" }, `sessions.subscribe failed: ${message}`);
      },
    );
  }

  private markReady(attempt: Attempt, info: GatewayHelloInfo): void {
    if (attempt !== this.attempt || attempt.ended) return;
    attempt.ready = true;
    if (attempt.timer !== undefined) this.clock.clearTimeout(attempt.timer);
    this.lastReason = "";
    this.setState("connected");
    this.options.logger.info(
      `gateway: connected to ${info.url} (server ${info.serverVersion}, protocol ${info.protocol}, scopes ${info.scopes.join(",")}, device ${info.deviceId.slice(0, 12)})`,
    );
    this.emitter.emit("connected", info);
  }

  private onFrame(attempt: Attempt, frame: EventFrame): void {
    if (attempt !== this.attempt || attempt.ended) return;
    this.watchdog.touch();
    routeGatewayEvent(frame, {
      emit: (event, payload) => this.emitter.emit(event, payload),
      warn: (message) => this.options.logger.warn(`gateway: ${message}`),
      onShutdown: (shutdown) => {
        attempt.shutdown = shutdown;
        this.options.logger.info(`gateway: the Gateway is shutting down (${shutdown.reason}); will reconnect shortly`);
      },
    });
  }

  private onClose(attempt: Attempt, code: number, reason: string, info: GatewayClientCloseInfo | undefined): void {
    if (attempt !== this.attempt || attempt.ended) return;
    const connectError = info?.connectError ?? attempt.connectError;
    if (!attempt.helloed && connectError !== undefined) {
      const failure = classifyConnectFailure(connectError);
      if (failure.kind === "auth") return this.endAttempt(attempt, { kind: "auth-failed" }, failure.message, failure);
      if (failure.kind === "incompatible") return this.endAttempt(attempt, { kind: "fatal" }, failure.message, failure);
      if (failure.kind === "retryable") {
        return this.endAttempt(attempt, { kind: "retryable", ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) }, failure.message, failure);
      }
      return this.endAttempt(attempt, { kind: "dropped" }, failure.message, failure);
    }
    const text = `closed ${code}${reason ? ` ${reason}` : ""}`;
    if (attempt.shutdown) {
      const expected = attempt.shutdown.restartExpectedMs;
      return this.endAttempt(attempt, { kind: "shutdown", ...(expected !== undefined ? { restartExpectedMs: expected } : {}) }, `gateway shut down (${text})`);
    }
    this.endAttempt(attempt, { kind: "dropped" }, text);
  }

  private endAttempt(attempt: Attempt, cause: DisconnectCause, reason: string, detail: EndDetail = {}): void {
    if (attempt.ended) return;
    attempt.ended = true;
    if (attempt.timer !== undefined) this.clock.clearTimeout(attempt.timer);
    this.watchdog.stop();
    // stop() is final for the official client; it also cancels the client's own reconnect timer.
    try {
      attempt.client.stop();
    } catch {
      // nothing left to clean up
    }
    if (this.attempt === attempt) this.attempt = undefined;
    if (this.stopped) return;
    const wasConnected = attempt.ready;
    const delay = this.policy.nextDelay(cause, this.clock.now());
    const seconds = (delay / 1000).toFixed(1);
    this.lastErrorValue = { code: detail.code, message: reason, at: this.clock.now() };
    const { logger } = this.options;
    if (cause.kind === "auth-failed" || cause.kind === "fatal") {
      const code = detail.code ?? "UNKNOWN";
      const hint = detail.hint ?? connectFailureHint(undefined);
      logger.error(`gateway: connection refused (${code}): ${reason}. Fix: ${hint}. Next attempt in ${seconds} s`);
      this.setState(cause.kind === "auth-failed" ? "auth-failed" : "waiting");
      if (cause.kind === "auth-failed") {
        this.lastAuthFailure = { code, message: reason, hint, retryInMs: delay };
        this.emitter.emit("auth-failed", this.lastAuthFailure);
      }
    } else {
      // Repeats of the same failure while retrying go to debug, so a long outage doesn't flood the log.
      const line = `gateway: ${wasConnected ? "connection lost" : "connect failed"}: ${reason}; retrying in ${seconds} s`;
      if (wasConnected || reason !== this.lastReason) logger.info(line);
      else logger.debug(line);
      this.setState("waiting");
    }
    this.lastReason = reason;
    this.emitter.emit("disconnected", { reason, code: detail.code, wasConnected, retryInMs: delay });
    if (!this.stopped && this.attempt === undefined) this.retryTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  private async call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.watchdog.suspect) {
      // A probe is out and nothing came back yet: a request put on this socket now may be lost with it
      // (a resend would then wait for the next connection anyway). Wait for the verdict instead.
      await this.watchdog.settled();
    }
    return this.rawCall(this.readyAttempt(method), method, params, timeoutMs);
  }

  private readyAttempt(method: string): Attempt {
    const attempt = this.attempt;
    if (!attempt || !attempt.ready || this.current !== "connected") throw new GatewayNotConnectedError(method, this.current);
    return attempt;
  }

  private probe(): void {
    const attempt = this.attempt;
    if (!attempt || attempt.ended) return;
    // Any answer, even an error frame, touches the watchdog in rawCall; a missing one is the watchdog's verdict.
    this.rawCall(attempt, PROBE_METHOD, {}, this.liveness.deadAfterMs).catch(() => undefined);
  }

  private async rawCall(attempt: Attempt, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    try {
      const result = await attempt.client.request(method, params, timeoutMs !== undefined ? { timeoutMs } : undefined);
      if (attempt === this.attempt) this.watchdog.touch();
      return result;
    } catch (error) {
      const mapped = toGatewayError(method, error, this.current);
      // An error frame is still a frame: the Gateway is alive.
      if (mapped instanceof GatewayRequestError && attempt === this.attempt) this.watchdog.touch();
      throw mapped;
    }
  }
}
