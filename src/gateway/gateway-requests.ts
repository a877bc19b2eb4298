/** The Gateway's typed methods, and the request path under them: calls that wait out a liveness probe, answers that count as signs of life. */
import { AttachmentRefusedError, checkAttachments, toGatewayAttachments, type OutgoingAttachment } from "./chat-attachments.js";
import type { GatewayAttempt } from "./gateway-attempt.js";
import type { GatewayConnectionOptions, GatewayConnectionState } from "./gateway-connection-types.js";
import { GatewayNotConnectedError, GatewayRequestError, toGatewayError } from "./gateway-errors.js";
import type { GatewayHelloInfo } from "./gateway-events.js";
import * as methods from "./gateway-methods.js";
import type { LivenessLimits, LivenessWatchdog } from "./liveness-watchdog.js";
import { downloadArtifact, type DownloadedMedia, type FetchLike } from "./media-download.js";

/**
 * The liveness probe: needs only operator.read, is answered from memory, and the Gateway logs only
 * failed or slow (>= 50 ms) answers, so a probe every few idle seconds leaves its log alone. (The
 * official client keeps its `ws` socket private, so a WebSocket ping is not available to us.)
 */
const PROBE_METHOD = "last-heartbeat";

/**
 * GatewayConnection's request side. The connection (the state machine) supplies where it is and the
 * attempt a request may go on; this side only ever reads them, so every state change stays there.
 */
export abstract class GatewayRequests {
  protected abstract readonly options: GatewayConnectionOptions;
  protected abstract readonly watchdog: LivenessWatchdog;
  protected abstract readonly liveness: LivenessLimits;
  abstract get state(): GatewayConnectionState;
  /** The current connection's hello-ok facts, while connected. */
  abstract get hello(): GatewayHelloInfo | undefined;
  /** The attempt of a connecting or connected state. */
  protected abstract get attempt(): GatewayAttempt | undefined;

  /**
   * chat.send. `files` are checked against this connection's advertised limits first: a file that breaks
   * one is never sent, and the call throws AttachmentRefusedError (a final failure) saying which and why.
   */
  async chatSend(request: methods.ChatSendRequest & { files?: readonly OutgoingAttachment[] }, opts: { timeoutMs?: number } = {}): Promise<methods.ChatSendAck> {
    const { files, ...params } = request;
    if (!files || files.length === 0) return methods.parseChatSendAck(await this.call("chat.send", params, opts.timeoutMs));
    const hello = this.hello;
    if (!hello) throw new GatewayNotConnectedError("chat.send", this.state);
    const check = checkAttachments(files, hello.attachmentPolicy, params);
    if (!check.ok) throw new AttachmentRefusedError(check);
    const payload = await this.call("chat.send", { ...params, attachments: toGatewayAttachments(files) }, opts.timeoutMs);
    return methods.parseChatSendAck(payload);
  }
  /** The bytes of a transcript artifact (TranscriptMedia `artifact`); throws MediaDownloadError, classified. */
  async downloadMedia(params: { sessionKey: string; artifactId: string }, opts: { fetch?: FetchLike; maxBytes?: number } = {}): Promise<DownloadedMedia> {
    return downloadArtifact(params, {
      request: (method, p) => this.call(method, p),
      gatewayUrl: this.options.url,
      tlsFingerprint: this.options.tlsFingerprint,
      ...opts,
    });
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

  protected async call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.watchdog.suspect) {
      // A probe is out and nothing came back yet: a request put on this socket now may be lost with it
      // (a resend would then wait for the next connection anyway). Wait for the verdict instead.
      await this.watchdog.settled();
    }
    return this.rawCall(this.readyAttempt(method), method, params, timeoutMs);
  }

  private readyAttempt(method: string): GatewayAttempt {
    const attempt = this.state === "connected" ? this.attempt : undefined;
    if (!attempt) throw new GatewayNotConnectedError(method, this.state);
    return attempt;
  }

  protected probe(): void {
    const attempt = this.attempt;
    if (!attempt?.live) return;
    // Any answer, even an error frame, touches the watchdog in rawCall; a missing one is the watchdog's verdict.
    this.rawCall(attempt, PROBE_METHOD, {}, this.liveness.deadAfterMs).catch(() => undefined);
  }

  protected async rawCall(attempt: GatewayAttempt, method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    try {
      const result = await attempt.client.request(method, params, timeoutMs !== undefined ? { timeoutMs } : undefined);
      if (attempt === this.attempt) this.watchdog.touch();
      return result;
    } catch (error) {
      const mapped = toGatewayError(method, error, this.state);
      // An error frame is still a frame: the Gateway is alive.
      if (mapped instanceof GatewayRequestError && attempt === this.attempt) this.watchdog.touch();
      throw mapped;
    }
  }
}
