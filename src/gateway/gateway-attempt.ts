/** One connect attempt: one official client from open to end, and how far it has got. */
import type { GatewayClientCloseInfo } from "@openclaw/gateway-client";
import type { EventFrame, HelloOk } from "@openclaw/gateway-protocol/frame-guards";
import type { TimerHandle } from "./clock.js";
import type { GatewayCallbacks, GatewayClientLike } from "./gateway-client-factory.js";
import type { ShutdownEvent } from "./gateway-events.js";

/**
 * Where an attempt is. Transitions:
 *   opening     → subscribing   hello-ok with the scopes the relay needs
 *   opening     → ready         the same, with `subscribeSessions: false`
 *   subscribing → ready         sessions.subscribe answered
 *   any         → ended         close, attempt timeout, liveness verdict, stop() (final)
 */
export type AttemptPhase = "opening" | "subscribing" | "ready" | "ended";

/** What the connection does with the client's callbacks; each is told which attempt it came from. */
export interface AttemptHandlers {
  hello(attempt: GatewayAttempt, hello: HelloOk): void;
  frame(attempt: GatewayAttempt, frame: EventFrame): void;
  close(attempt: GatewayAttempt, code: number, reason: string, info: GatewayClientCloseInfo | undefined): void;
}

export class GatewayAttempt {
  phase: AttemptPhase = "opening";
  /** The last connect error the client reported; its close then says why the attempt failed. */
  connectError: unknown = undefined;
  /** The Gateway announced a shutdown on this socket: its close is a restart, not a failure. */
  shutdown: ShutdownEvent | undefined = undefined;
  /** Abandons an attempt that neither gets ready nor closes (armed by the connection). */
  timer: TimerHandle | undefined = undefined;
  readonly client: GatewayClientLike;

  constructor(makeClient: (callbacks: GatewayCallbacks) => GatewayClientLike, handlers: AttemptHandlers) {
    this.client = makeClient({
      onHelloOk: (hello) => handlers.hello(this, hello),
      onEvent: (frame) => handlers.frame(this, frame),
      onConnectError: (error) => {
        this.connectError = error;
      },
      onClose: (code, reason, info) => handlers.close(this, code, reason, info),
    });
  }

  /** Still the connection's business: not ended. */
  get live(): boolean {
    return this.phase !== "ended";
  }

  /** Starts the client; a synchronous failure (bad URL, plaintext ws:// to a remote host) is returned: no close follows it. */
  start(): unknown {
    try {
      this.client.start();
    } catch (error) {
      return error;
    }
    // The client may report a connect error from inside start() without throwing.
    return this.connectError;
  }
}
