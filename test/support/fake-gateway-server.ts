/** A minimal fake Gateway (challenge → hello-ok, then whatever the test sends), for the real official client in unit tests. */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface FakeGatewayServer {
  url: string;
  /** Every socket that connected, in order. */
  sockets: WebSocket[];
  /** Connect requests received (params as sent). */
  connects: unknown[];
  /** Other requests received. */
  requests: Array<{ method: string; params: unknown }>;
  /** While true the server answers nothing (a frozen Gateway or a black-holed network), sockets stay open. */
  silent: boolean;
  /** Send raw text (or a value to JSON-encode) on the newest socket. */
  send(frame: unknown): void;
  close(): Promise<void>;
}

export async function startFakeGatewayServer(options: { tickIntervalMs?: number; scopes?: string[] } = {}): Promise<FakeGatewayServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const sockets: WebSocket[] = [];
  const connects: unknown[] = [];
  const requests: Array<{ method: string; params: unknown }> = [];
  const state = { silent: false };
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: randomUUID(), ts: Date.now() } }));
    ws.on("message", (data) => {
      if (state.silent) return;
      const frame = JSON.parse(String(data)) as { id: string; method: string; params: unknown };
      if (frame.method === "connect") {
        connects.push(frame.params);
        ws.send(
          JSON.stringify({
            type: "res",
            id: frame.id,
            ok: true,
            payload: {
              type: "hello-ok",
              protocol: 4,
              server: { version: "fake", connId: randomUUID() },
              features: { methods: [], events: [] },
              snapshot: { presence: [], health: {} },
              auth: { role: "operator", scopes: options.scopes ?? ["operator.read", "operator.write"] },
              policy: { maxPayload: 1 << 20, maxBufferedBytes: 1 << 20, tickIntervalMs: options.tickIntervalMs ?? 30_000 },
            },
          }),
        );
        return;
      }
      requests.push({ method: frame.method, params: frame.params });
      ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: frame.method === "sessions.subscribe" ? { subscribed: true } : {} }));
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    sockets,
    connects,
    requests,
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    send(frame) {
      const ws = sockets[sockets.length - 1];
      if (!ws) throw new Error("no client connected");
      ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
