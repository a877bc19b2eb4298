/** The relay's Gateway connection: one official client per attempt, our own reconnect policy and liveness watch. */
import type { GatewayClientCloseInfo } from "@openclaw/gateway-client";

export type * from "./gateway-connection-types.js";
import type { EventFrame, HelloOk } from "@openclaw/gateway-protocol/frame-guards";
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { GatewayAttempt, type AttemptHandlers } from "./gateway-attempt.js";
import { buildClientOptions, createOfficialGatewayClient, REQUIRED_SCOPES, type CreateGatewayClient } from "./gateway-client-factory.js";
import { classifyConnectFailure, connectFailureHint, GatewayAuthError } from "./gateway-errors.js";
import { helloInfo, type GatewayHelloInfo } from "./gateway-events.js";
import type { GatewayAuthFailedInfo, GatewayConnectionEvents, GatewayConnectionOptions, GatewayConnectionState } from "./gateway-connection-types.js";
import { routeGatewayEvent } from "./gateway-event-router.js";
import { GatewayRequests } from "./gateway-requests.js";
import { GATEWAY_LIVENESS, LivenessWatchdog, type LivenessLimits } from "./liveness-watchdog.js";
import { ReconnectPolicy, type DisconnectCause } from "./reconnect-policy.js";
import { TypedEmitter } from "./typed-emitter.js";

type EndDetail = { code?: string | undefined; hint?: string };

/**
 * The connection's state; each carries only its own data. Transitions:
 *   idle        → connecting    start(), reconnectNow()
 *   connecting  → connected     the attempt is ready (hello-ok with the needed scopes, sessions subscribed)
 *   connecting  → waiting       the attempt ended: closed, timed out, refused for a reason a retry may fix,
 *                               or one a person must fix that is not about credentials (TLS, protocol)
 *   connecting  → auth-failed   refused for credentials, pairing or scopes (retried slowly)
 *   connected   → waiting       closed, or the liveness verdict
 *   waiting     → connecting    its retry timer fired, or reconnectNow()
 *   auth-failed → connecting    the same
 *   any         → stopped       stop() (final)
 */
type State =
  | { state: "idle" }
  | { state: "connecting"; attempt: GatewayAttempt }
  | { state: "connected"; attempt: GatewayAttempt; hello: GatewayHelloInfo }
  | { state: "waiting"; retry: TimerHandle }
  | { state: "auth-failed"; retry: TimerHandle; failure: GatewayAuthFailedInfo }
  | { state: "stopped" };

/** The state machine; the typed methods and the request path it feeds are GatewayRequests' (gateway-requests.ts). */
export class GatewayConnection extends GatewayRequests {
  protected readonly options: GatewayConnectionOptions;
  private readonly clock: Clock;
  private readonly policy: ReconnectPolicy;
  protected readonly watchdog: LivenessWatchdog;
  protected readonly liveness: LivenessLimits;
  private readonly emitter: TypedEmitter<GatewayConnectionEvents>;
  private readonly createClient: CreateGatewayClient;
  private readonly handlers: AttemptHandlers = {
    hello: (attempt, hello) => this.onHello(attempt, hello),
    frame: (attempt, frame) => this.onFrame(attempt, frame),
    close: (attempt, code, reason, info) => this.onClose(attempt, code, reason, info),
  };
  private current: State = { state: "idle" };
  /** Diagnostics that outlive a state: the last failure's reason (to quiet repeats) and the last error. */
  private lastReason = "";
  private lastErrorValue: { code: string | undefined; message: string; at: number } | undefined;

  constructor(options: GatewayConnectionOptions) {
    super();
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
        if (!attempt?.live) return;
        options.logger.warn(`gateway: nothing received for ${Math.round(silentMs / 1000)} s, not even an answer to a probe; closing and reconnecting`);
        this.endAttempt(attempt, { kind: "dropped" }, `liveness timeout (${silentMs} ms without a frame)`);
      },
    });
  }

  get state(): GatewayConnectionState {
    return this.current.state;
  }
  /** The current connection's hello-ok facts, while connected. */
  get hello(): GatewayHelloInfo | undefined {
    return this.current.state === "connected" ? this.current.hello : undefined;
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
    if (this.current.state === "stopped") throw new Error("GatewayConnection: stop() is final; create a new connection");
    if (this.current.state === "idle") this.connect();
  }

  /** Skips the current backoff wait (e.g. after the user fixed the token). */
  reconnectNow(): void {
    const current = this.current;
    if (current.state === "waiting" || current.state === "auth-failed") this.clock.clearTimeout(current.retry);
    else if (current.state !== "idle") return;
    this.connect();
  }

  async stop(): Promise<void> {
    const current = this.current;
    if (current.state === "stopped") return;
    if (current.state === "waiting" || current.state === "auth-failed") this.clock.clearTimeout(current.retry);
    const attempt = this.attempt;
    this.setState({ state: "stopped" });
    if (attempt) this.finish(attempt);
    const waitable = attempt?.client as { stopAndWait?: (o?: { timeoutMs?: number }) => Promise<void> } | undefined;
    await waitable?.stopAndWait?.({ timeoutMs: 2000 }).catch(() => {});
  }

  /** Resolves with the hello info once connected; rejects on an auth failure or after `timeoutMs`. */
  waitUntilConnected(timeoutMs = 30_000): Promise<GatewayHelloInfo> {
    const hello = this.hello;
    if (hello) return Promise.resolve(hello);
    if (this.current.state === "auth-failed") {
      const refused = this.current.failure;
      return Promise.reject(new GatewayAuthError(refused.code, refused.message, refused.hint));
    }
    return new Promise((resolve, reject) => {
      const offs: Array<() => void> = [];
      const done = () => {
        offs.forEach((off) => off());
        this.clock.clearTimeout(timer);
      };
      const timer = this.clock.setTimeout(() => {
        done();
        reject(new Error(`gateway not connected after ${timeoutMs} ms (state ${this.state}; last: ${this.lastReason || "none"})`));
      }, timeoutMs);
      offs.push(this.emitter.on("connected", (info) => (done(), resolve(info))));
      offs.push(this.emitter.on("auth-failed", (info) => (done(), reject(new GatewayAuthError(info.code, info.message, info.hint)))));
    });
  }

  /** The attempt of a connecting or connected state. */
  protected get attempt(): GatewayAttempt | undefined {
    return this.current.state === "connecting" || this.current.state === "connected" ? this.current.attempt : undefined;
  }

  private setState(next: State): void {
    const changed = next.state !== this.current.state;
    this.current = next;
    if (changed) this.emitter.emit("state", next.state);
  }

  private connect(): void {
    const attempt = new GatewayAttempt((callbacks) => this.createClient(buildClientOptions(this.options, callbacks)), this.handlers);
    this.setState({ state: "connecting", attempt });
    const attemptTimeoutMs = this.options.attemptTimeoutMs ?? 45_000;
    attempt.timer = this.clock.setTimeout(() => {
      if (attempt.phase !== "ready") this.endAttempt(attempt, { kind: "dropped" }, `connect attempt timed out after ${attemptTimeoutMs} ms`);
    }, attemptTimeoutMs);
    const startError = attempt.start();
    // A synchronous failure means no socket was opened (bad URL, plaintext ws:// to a remote host): no close will follow.
    if (startError !== undefined) {
      const message = startError instanceof Error ? startError.message : String(startError);
      this.endAttempt(attempt, { kind: "fatal" }, `cannot connect to ${this.options.url}: ${message}`, { code: "CONNECT_SETUP_FAILED" });
    }
  }

  private onHello(attempt: GatewayAttempt, hello: HelloOk): void {
    if (attempt !== this.attempt || attempt.phase !== "opening") return;
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
    attempt.phase = "subscribing";
    this.policy.reset();
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

  private markReady(attempt: GatewayAttempt, info: GatewayHelloInfo): void {
    if (attempt !== this.attempt || attempt.phase !== "subscribing") return;
    attempt.phase = "ready";
    if (attempt.timer !== undefined) this.clock.clearTimeout(attempt.timer);
    this.lastReason = "";
    this.setState({ state: "connected", attempt, hello: info });
    this.options.logger.info(
      `gateway: connected to ${info.url} (server ${info.serverVersion}, protocol ${info.protocol}, scopes ${info.scopes.join(",")}, device ${info.deviceId.slice(0, 12)})`,
    );
    this.emitter.emit("connected", info);
  }

  private onFrame(attempt: GatewayAttempt, frame: EventFrame): void {
    if (attempt !== this.attempt || !attempt.live) return;
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

  private onClose(attempt: GatewayAttempt, code: number, reason: string, info: GatewayClientCloseInfo | undefined): void {
    if (attempt !== this.attempt || !attempt.live) return;
    const connectError = info?.connectError ?? attempt.connectError;
    if (attempt.phase === "opening" && connectError !== undefined) {
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

  /** Ends the attempt's client and its timers; no state change. */
  private finish(attempt: GatewayAttempt): void {
    attempt.phase = "ended";
    if (attempt.timer !== undefined) this.clock.clearTimeout(attempt.timer);
    this.watchdog.stop();
    // stop() is final for the official client; it also cancels the client's own reconnect timer.
    try {
      attempt.client.stop();
    } catch {
      // nothing left to clean up
    }
  }

  private endAttempt(attempt: GatewayAttempt, cause: DisconnectCause, reason: string, detail: EndDetail = {}): void {
    if (!attempt.live) return;
    const wasConnected = attempt.phase === "ready";
    this.finish(attempt);
    if (attempt !== this.attempt) return;
    const delay = this.policy.nextDelay(cause, this.clock.now());
    const seconds = (delay / 1000).toFixed(1);
    this.lastErrorValue = { code: detail.code, message: reason, at: this.clock.now() };
    // The retry is armed before anyone hears of the failure, so a listener's reconnectNow() or stop() replaces it.
    const retry = this.clock.setTimeout(() => this.connect(), delay);
    const { logger } = this.options;
    let refused: GatewayAuthFailedInfo | undefined;
    if (cause.kind === "auth-failed" || cause.kind === "fatal") {
      const code = detail.code ?? "UNKNOWN";
      const hint = detail.hint ?? connectFailureHint(undefined);
      logger.error(`gateway: connection refused (${code}): ${reason}. Fix: ${hint}. Next attempt in ${seconds} s`);
      if (cause.kind === "auth-failed") refused = { code, message: reason, hint, retryInMs: delay };
    } else {
      // Repeats of the same failure while retrying go to debug, so a long outage doesn't flood the log.
      const line = `gateway: ${wasConnected ? "connection lost" : "connect failed"}: ${reason}; retrying in ${seconds} s`;
      if (wasConnected || reason !== this.lastReason) logger.info(line);
      else logger.debug(line);
    }
    this.lastReason = reason;
    this.setState(refused ? { state: "auth-failed", retry, failure: refused } : { state: "waiting", retry });
    if (refused) this.emitter.emit("auth-failed", refused);
    this.emitter.emit("disconnected", { reason, code: detail.code, wasConnected, retryInMs: delay });
  }
}
