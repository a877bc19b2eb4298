/** App-requested aborts: calls chat.abort as the run's owner (same device identity) once per request. */
import type { Logger } from "../logging/logger.js";
import { gatewayFailureOf, type GatewayPort } from "./ports.js";

export interface AbortRequest {
  messageId: string;
  sessionKey: string;
  runId: string;
}

export class AbortHandler {
  private readonly handled = new Set<string>();
  private pending: AbortRequest[] = [];

  constructor(
    private readonly gateway: GatewayPort,
    private readonly logger: Logger,
  ) {}

  update(requests: AbortRequest[]): void {
    this.pending = requests;
    const live = new Set(requests.map((request) => request.messageId));
    for (const id of this.handled) if (!live.has(id)) this.handled.delete(id);
    this.pump();
  }

  /** Also called on gateway (re)connect: requests that arrived while it was down go out now. */
  pump(): void {
    if (!this.gateway.isConnected()) return;
    for (const request of this.pending) {
      if (this.handled.has(request.messageId)) continue;
      this.handled.add(request.messageId);
      // The row turns "aborted" when the gateway's chat event says so, not when we ask.
      this.gateway.chatAbort({ sessionKey: request.sessionKey, runId: request.runId }).then(
        () => this.logger.info("abort requested by the app was sent", { messageId: request.messageId }),
        (error: unknown) => {
          const failure = gatewayFailureOf(error);
          if (failure.kind !== "rejected") this.handled.delete(request.messageId);
          this.logger.warn("chat.abort failed", { messageId: request.messageId, code: failure.code, reason: failure.reason });
        },
      );
    }
  }
}
