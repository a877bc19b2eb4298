/** A scriptable stand-in for the official GatewayClient, to drive GatewayConnection in unit tests. */
import type { GatewayClientOptions } from "@openclaw/gateway-client";
import type { HelloOk } from "@openclaw/gateway-protocol";
import type { GatewayClientLike } from "../../src/gateway/gateway-client-factory.js";

export interface FakeRequest {
  method: string;
  params: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class FakeGatewayClient implements GatewayClientLike {
  readonly opts: GatewayClientOptions;
  started = false;
  stopped = false;
  requests: FakeRequest[] = [];
  /** Answer sessions.subscribe at once (default) or leave it pending. */
  autoSubscribe = true;
  /** Socket "open": requests are accepted; otherwise they reject like the real client. */
  open = false;

  constructor(opts: GatewayClientOptions) {
    this.opts = opts;
  }

  start(): void {
    this.started = true;
  }

  stop(): void {
    this.stopped = true;
    this.open = false;
    for (const r of this.requests.splice(0)) r.reject(new Error("gateway client stopped"));
  }

  request(method: string, params?: unknown): Promise<unknown> {
    if (!this.open) return Promise.reject(new Error("gateway not connected"));
    if (method === "sessions.subscribe" && this.autoSubscribe) return Promise.resolve({ subscribed: true });
    return new Promise((resolve, reject) => this.requests.push({ method, params, resolve, reject }));
  }

  hello(scopes: string[] = ["operator.read", "operator.write"], tickIntervalMs = 30_000, policy: Record<string, unknown> = {}): void {
    this.open = true;
    const hello = {
      type: "hello-ok",
      protocol: 4,
      server: { version: "test", connId: "c1" },
      features: { methods: ["chat.send"], events: ["chat"] },
      snapshot: { presence: [], health: {} },
      auth: { role: "operator", scopes },
      policy: { maxPayload: 1000, maxBufferedBytes: 1000, tickIntervalMs, ...policy },
    } as unknown as HelloOk;
    this.opts.onHelloOk?.(hello);
  }

  event(event: string, payload: unknown): void {
    this.opts.onEvent?.({ type: "event", event, payload });
  }

  connectError(error: Error): void {
    this.opts.onConnectError?.(error);
  }

  close(code: number, reason: string, connectError?: Error): void {
    this.open = false;
    this.opts.onClose?.(code, reason, {
      phase: "post-hello",
      socketOpened: true,
      transportValidated: true,
      transientPreHelloCleanClose: false,
      ...(connectError ? { connectError } : {}),
    });
  }
}

/** A factory that records every client it makes (each is one connect attempt). */
export function fakeClientFactory() {
  const clients: FakeGatewayClient[] = [];
  return {
    clients,
    create: (opts: GatewayClientOptions) => {
      const client = new FakeGatewayClient(opts);
      clients.push(client);
      return client;
    },
    get last(): FakeGatewayClient {
      const c = clients[clients.length - 1];
      if (!c) throw new Error("no client created yet");
      return c;
    },
  };
}
