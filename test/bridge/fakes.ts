/** Test doubles for the bridge's ports: a scriptable Gateway and a recording Convex. */
import {
  gatewayFailureOf,
  type ChatSendResult,
  type ConvexSide,
  type ConvexWrites,
  type FullText,
  type GatewayFailureKind,
  type GatewayPort,
  type GatewaySessionInfo,
  type HistoryResult,
} from "../../src/bridge/ports.js";
import { GatewayError } from "../../src/gateway/gateway-errors.js";
import { getFunctionName } from "convex/server";
import type { RelayArgs, RelayMutation, RelayQuery, RelayResult } from "../../src/convex-sync/relay-api.js";
import type { RelayBridgeOptions } from "../../src/bridge/relay-bridge.js";

/** Records every write by function name; a subclass decides when (or whether) Convex answers. */
export class RecordingConvex implements ConvexWrites {
  writes: Array<{ fn: string; args: Record<string, unknown>; durable: boolean }> = [];

  write<F extends RelayMutation>(fn: F, args: RelayArgs<F>, options?: { durable?: boolean }): Promise<void> {
    this.writes.push({ fn: getFunctionName(fn), args, durable: options?.durable ?? true });
    return this.reply();
  }

  protected reply(): Promise<void> {
    return Promise.resolve();
  }

  calls(fn: string): Array<Record<string, unknown>> {
    return this.writes.filter((w) => w.fn === fn).map((w) => w.args);
  }
}

/** A recording Convex the bridge can also subscribe to: `push` delivers a query's next value, as Convex would. */
export class SubscribingConvex extends RecordingConvex implements ConvexSide {
  private readonly listeners = new Map<string, (value: unknown) => void>();

  subscribe<Q extends RelayQuery>(query: Q, _args: RelayArgs<Q>, onUpdate: (value: RelayResult<Q>) => void): () => void {
    const name = getFunctionName(query);
    this.listeners.set(name, onUpdate as (value: unknown) => void);
    return () => this.listeners.delete(name);
  }

  /** Delivers `value` to the subscription of the query `name` (e.g. "relay:pendingMessages"). */
  push(name: string, value: unknown): void {
    const listener = this.listeners.get(name);
    if (!listener) throw new Error(`nothing subscribed to ${name}`);
    listener(value);
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

/** A bridge's options for unit tests: no backfill, a slow heartbeat; `parts` gives the ports and any other choice. */
export function testBridgeOptions(parts: Pick<RelayBridgeOptions, "gateway" | "convex" | "cursors" | "logger"> & Partial<RelayBridgeOptions>): RelayBridgeOptions {
  return {
    relayVersion: "test",
    maxMessageAgeMs: 60_000,
    streamWritesPerSecond: 4,
    backfillPerSession: 0,
    heartbeatIntervalMs: 60_000,
    ...parts,
  };
}
