/** A minimal Gateway protocol peer: handshake, instant acks, scripted events. Isolates the relay's own overhead. */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

interface ReqFrame {
  type?: string;
  id?: string;
  method?: string;
  params?: { idempotencyKey?: unknown; sessionKey?: unknown };
}

/** Answers for the read methods the relay calls after connecting: nothing to catch up. */
function answer(method: string, params: ReqFrame["params"]): unknown {
  switch (method) {
    case "chat.send":
      return { runId: String(params?.idempotencyKey ?? randomUUID()), status: "started" };
    case "sessions.list":
      return { sessions: [], hasMore: false };
    case "chat.history":
      return { sessionKey: String(params?.sessionKey ?? ""), messages: [] };
    case "sessions.subscribe":
      return { subscribed: true };
    case "chat.abort":
      return { ok: true, aborted: false, runIds: [] };
    default:
      return {};
  }
}

export class PeerGateway {
  /** chat.send idempotency key → first arrival (Date.now(), same host clock as Convex's createdAt). */
  readonly arrivals = new Map<string, number>();
  /** chat.send frames whose key had arrived before. */
  duplicates = 0;
  private readonly ready = new Set<WebSocket>();
  private seq = 0;
  private readonly ticker: NodeJS.Timeout;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on("connection", (ws) => this.accept(ws));
    // Tick like the real one (the relay stays connected through its liveness probes, answered in `answer`).
    this.ticker = setInterval(() => this.emit("tick", { ts: Date.now() }), 10_000);
  }

  static async start(): Promise<PeerGateway> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    return new PeerGateway(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  /** Connections that completed the handshake. */
  get clients(): number {
    return this.ready.size;
  }

  /** Sends an event frame to every handshaken connection. */
  emit(event: string, payload: unknown): void {
    if (this.ready.size === 0) return;
    const frame = JSON.stringify({ type: "event", event, payload, seq: ++this.seq });
    for (const ws of this.ready) ws.send(frame);
  }

  /** A transcript append, as the Gateway broadcasts it after sessions.subscribe. */
  emitSessionMessage(sessionKey: string, messageId: string, messageSeq: number, text: string): void {
    this.emit("session.message", {
      sessionKey,
      messageId,
      messageSeq,
      message: { role: "assistant", content: [{ type: "text", text }], timestamp: Date.now() },
    });
  }

  /** One `chat` event of a streamed reply; `text` is the cumulative text so far. */
  emitChat(sessionKey: string, runId: string, seq: number, state: "delta" | "final", text: string, deltaText = ""): void {
    const message = { role: "assistant", content: [{ type: "text", text }] };
    this.emit("chat", state === "delta" ? { runId, sessionKey, seq, state, deltaText, message } : { runId, sessionKey, seq, state, message });
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: randomUUID(), ts: Date.now() } }));
    ws.on("close", () => this.ready.delete(ws));
    ws.on("message", (data) => {
      const at = Date.now();
      let frame: ReqFrame;
      try {
        frame = JSON.parse(String(data)) as ReqFrame;
      } catch {
        return;
      }
      if (frame.type !== "req" || typeof frame.id !== "string" || typeof frame.method !== "string") return;
      if (frame.method === "connect") {
        ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: this.hello() }));
        this.ready.add(ws);
        return;
      }
      if (frame.method === "chat.send") {
        const key = String(frame.params?.idempotencyKey ?? "");
        if (this.arrivals.has(key)) this.duplicates += 1;
        else this.arrivals.set(key, at);
      }
      ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: answer(frame.method, frame.params) }));
    });
  }

  private hello(): unknown {
    return {
      type: "hello-ok",
      protocol: 4,
      server: { version: "bench-peer", connId: randomUUID() },
      features: { methods: ["chat.send", "chat.history", "chat.abort", "sessions.list", "sessions.subscribe"], events: ["chat", "session.message"] },
      snapshot: { presence: [], health: {} },
      auth: { role: "operator", scopes: ["operator.read", "operator.write"] },
      policy: { maxPayload: 25 * 1024 * 1024, maxBufferedBytes: 50 * 1024 * 1024, tickIntervalMs: 30_000 },
    };
  }
}
