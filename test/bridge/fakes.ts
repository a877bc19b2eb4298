/** Test doubles for the bridge's ports: a scriptable Gateway and a recording Convex. */
import {
  gatewayFailureOf,
  type ChatSendResult,
  type ConvexWrites,
  type FullText,
  type GatewayFailureKind,
  type GatewayPort,
  type GatewaySessionInfo,
  type HistoryResult,
} from "../../src/bridge/ports.js";
import { GatewayError } from "../../src/gateway/gateway-errors.js";

export class RecordingConvex implements ConvexWrites {
  writes: Array<{ fn: string; args: Record<string, unknown>; durable: boolean }> = [];

  write(fn: string, args: Record<string, unknown>, options?: { durable?: boolean }): Promise<void> {
    this.writes.push({ fn, args, durable: options?.durable ?? true });
    return Promise.resolve();
  }

  calls(fn: string): Array<Record<string, unknown>> {
    return this.writes.filter((w) => w.fn === fn).map((w) => w.args);
  }
}

/** A failure as the Gateway side classifies it: `failure` is {kind, code, reason: message}. */
export class GatewayRefusal extends GatewayError {
  constructor(code: string, message: string, kind: GatewayFailureKind) {
    super(code, message, kind);
  }
}

export class FakeGateway implements GatewayPort {
  connected = true;
  sends: Array<{ sessionKey: string; message: string; idempotencyKey: string }> = [];
  aborts: Array<{ sessionKey: string; runId?: string }> = [];
  sendBehaviour: (params: { idempotencyKey: string }) => Promise<{ runId: string; status: string }> = (p) =>
    Promise.resolve({ runId: p.idempotencyKey, status: "started" });
  history: (params: { sessionKey: string; cursor?: string; limit?: number }) => Promise<HistoryResult> = () =>
    Promise.resolve({ kind: "page", messages: [] });
  sessions: GatewaySessionInfo[] = [];
  fullTexts: Array<{ sessionKey: string; messageId: string; maxChars: number }> = [];
  fullText: (params: { sessionKey: string; messageId: string; maxChars: number }) => Promise<FullText> = () =>
    Promise.resolve({ kind: "unavailable", reason: "not_found" });

  isConnected(): boolean {
    return this.connected;
  }

  /** Like the real adapter: a rejection of `sendBehaviour` comes back as its classified failure. */
  async chatSend(params: { sessionKey: string; message: string; idempotencyKey: string }): Promise<ChatSendResult> {
    if (!this.connected) return { ok: false, failure: new GatewayRefusal("NOT_CONNECTED", "gateway not connected", "transient").failure };
    this.sends.push(params);
    try {
      return { ok: true, ...(await this.sendBehaviour(params)) };
    } catch (error) {
      return { ok: false, failure: gatewayFailureOf(error) };
    }
  }

  chatAbort(params: { sessionKey: string; runId?: string }): Promise<void> {
    this.aborts.push(params);
    return Promise.resolve();
  }

  chatHistory(params: { sessionKey: string; cursor?: string; limit?: number }): Promise<HistoryResult> {
    return this.history(params);
  }

  fullMessageText(params: { sessionKey: string; messageId: string; maxChars: number }): Promise<FullText> {
    this.fullTexts.push(params);
    return this.fullText(params);
  }

  sessionsList(): Promise<GatewaySessionInfo[]> {
    return Promise.resolve(this.sessions);
  }
}

export const flush = () => new Promise((resolve) => setImmediate(resolve));
