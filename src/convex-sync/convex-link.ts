/** The relay's one connection to Convex: subscriptions in, ordered durable writes out. */
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { getFunctionName, makeFunctionReference, type FunctionReturnType } from "convex/server";
import type { Logger } from "../logging/logger.js";
import type { RelayArgs, RelayMutation, RelayQuery, RelayResult } from "./relay-api.js";
import { ConvexWriter, type FlushResult, type WriteOptions } from "./convex-writer.js";
import { Spool } from "./spool.js";

export interface ConvexLinkOptions {
  url: string;
  spoolDir: string;
  /** Read at every send, so a secret rotated by `pair --reset` is picked up without a restart. */
  relaySecret: () => string;
  logger: Logger;
  onRejected?: (fn: string, error: unknown) => void;
}

export type Unsubscribe = () => void;

export class ConvexLink {
  private readonly client: ConvexClient;
  readonly writer: ConvexWriter;
  private readonly spool: Spool;
  private connected = false;
  private readonly connectionListeners = new Set<(connected: boolean) => void>();
  private readonly stopWatching: () => void;

  constructor(private readonly options: ConvexLinkOptions) {
    // The relay is a long-running daemon: the browser-only unsaved-changes prompt makes no sense here.
    this.client = new ConvexClient(options.url, {
      unsavedChangesWarning: false,
      // `ws` (what the Gateway link uses too) rather than Node's built-in WebSocket: the relay's service runs
      // without the optimising JITs, where undici's frame parser cost about a third more CPU per message (bench
      // row 7). Convex documents `ws` as the Node socket; its class differs from the DOM type only in extras.
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    this.spool = new Spool(options.spoolDir);
    this.writer = new ConvexWriter({
      transport: {
        mutation: (fn, args) => this.client.mutation(makeFunctionReference<"mutation">(fn), args),
        isConnected: () => this.connected,
      },
      spool: this.spool,
      withCredential: (args) => ({ ...args, relaySecret: options.relaySecret() }),
      logger: options.logger,
      ...(options.onRejected ? { onRejected: options.onRejected } : {}),
    });
    this.stopWatching = this.client.subscribeToConnectionState((state) => {
      if (state.isWebSocketConnected === this.connected) return;
      this.connected = state.isWebSocketConnected;
      options.logger.info(this.connected ? "Convex connected" : "Convex disconnected");
      this.writer.connectionChanged(this.connected);
      for (const listener of this.connectionListeners) listener(this.connected);
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    await this.writer.start();
  }

  onConnectionChange(listener: (connected: boolean) => void): Unsubscribe {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Subscribes to a relay query; the credential is added here and never passes through callers. */
  subscribe<Q extends RelayQuery>(
    query: Q,
    args: RelayArgs<Q>,
    onUpdate: (value: RelayResult<Q>) => void,
    onError: (error: Error) => void,
  ): Unsubscribe {
    const unsubscribe = this.client.onUpdate(query, { ...args, relaySecret: this.options.relaySecret() }, onUpdate, onError);
    return () => unsubscribe();
  }

  /**
   * A relay mutation Convex itself must answer (never spooled): for claims that must be confirmed before
   * the relay acts on them. Rejects while Convex is unreachable.
   */
  mutate<F extends RelayMutation>(fn: F, args: RelayArgs<F>): Promise<FunctionReturnType<F>> {
    return this.client.mutation(fn, { ...args, relaySecret: this.options.relaySecret() });
  }

  /** A one-off read of a relay query (not a subscription); rejects when Convex refuses it. */
  query<Q extends RelayQuery>(fn: Q, args: RelayArgs<Q>): Promise<RelayResult<Q>> {
    return this.client.query(fn, { ...args, relaySecret: this.options.relaySecret() });
  }

  /** The spool keeps the function's name (a string on disk); the typed reference stops at this line. */
  write<F extends RelayMutation>(fn: F, args: RelayArgs<F>, options?: WriteOptions): Promise<void> {
    return this.writer.write(getFunctionName(fn), args, options);
  }

  async close(flushTimeoutMs: number): Promise<FlushResult> {
    const result = await this.writer.flush(flushTimeoutMs);
    this.stopWatching();
    await this.spool.close();
    await this.client.close();
    return result;
  }
}
