/** A transparent loopback WebSocket proxy in front of the real Gateway that timestamps chat.send requests and chat events. */
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer, type RawData } from "ws";

export interface ChatTimes {
  firstDelta?: number;
  final?: number;
  /** The run's assistant transcript row (`session.message`), which the Gateway may send before `final`. */
  transcript?: number;
}

interface EventPayload {
  runId?: unknown;
  state?: unknown;
  message?: { role?: unknown; __openclaw?: { runId?: unknown } };
}

/** Close codes a peer may not send itself (1005, 1006, 1015): forwarded as a normal close instead. */
const safeCode = (code: number) => (code === 1000 || (code >= 3000 && code < 5000) || (code > 1000 && code < 1004) || (code >= 1007 && code <= 1014) ? code : 1000);

export class GatewayProxy {
  /**
   * chat.send idempotency key → when the request the Gateway accepted passed the proxy on its way in
   * (Date.now()). A request the Gateway refused doesn't count: its retry is the one that arrived.
   */
  readonly arrivals = new Map<string, number>();
  /** Keys accepted more than once. */
  duplicates = 0;
  /** runId → when its first `delta` and its `final` chat event passed the proxy on the way to the client. */
  readonly chats = new Map<string, ChatTimes>();
  /** How long the Gateway took to answer each chat.send (request passing → response passing), ms. */
  readonly ackMs: number[] = [];
  private readonly pendingSends = new Map<string, { key: string; at: number }>();
  /** chat.send requests the Gateway refused: its error payloads as sent. */
  readonly refusals: unknown[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly target: string,
  ) {
    wss.on("connection", (client) => this.pipe(client));
  }

  static async start(target: string): Promise<GatewayProxy> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    return new GatewayProxy(wss, target);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private pipe(client: WebSocket): void {
    const upstream = new WebSocket(this.target);
    const early: Array<[RawData, boolean]> = [];
    upstream.on("open", () => {
      for (const [data, binary] of early.splice(0)) upstream.send(data, { binary });
    });
    client.on("message", (data, binary) => {
      if (!binary) this.inspectRequest(data);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else early.push([data, binary]);
    });
    upstream.on("message", (data, binary) => {
      if (!binary) this.inspectEvent(data);
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
    });
    const closeBoth = (code: number, reason: Buffer) => {
      for (const ws of [client, upstream]) {
        if (ws.readyState === WebSocket.OPEN) ws.close(safeCode(code), reason.toString("utf8").slice(0, 120));
        else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      }
    };
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.on("error", () => upstream.terminate());
    upstream.on("error", () => client.terminate());
  }

  private inspectRequest(data: RawData): void {
    const text = data.toString();
    // Cheap filter first: only chat.send requests are parsed.
    if (!text.includes('"chat.send"')) return;
    const at = Date.now();
    const frame = JSON.parse(text) as { type?: string; id?: unknown; method?: string; params?: { idempotencyKey?: unknown } };
    if (frame.type !== "req" || frame.method !== "chat.send") return;
    if (typeof frame.id === "string") this.pendingSends.set(frame.id, { key: String(frame.params?.idempotencyKey ?? ""), at });
  }

  private inspectEvent(data: RawData): void {
    const text = data.toString();
    if (this.pendingSends.size > 0 && text.includes('"res"')) this.inspectResponse(text);
    if (!text.includes('"chat"') && !text.includes('"session.message"')) return;
    const at = Date.now();
    const frame = JSON.parse(text) as { type?: string; event?: string; payload?: EventPayload };
    if (frame.type !== "event" || !frame.payload) return;
    const payload = frame.payload;
    if (frame.event === "chat" && typeof payload.runId === "string") {
      const times = this.times(payload.runId);
      if (payload.state === "delta") times.firstDelta ??= at;
      if (payload.state === "final") times.final ??= at;
    } else if (frame.event === "session.message" && payload.message?.role === "assistant") {
      const runId = payload.message.__openclaw?.runId ?? payload.runId;
      if (typeof runId === "string") this.times(runId).transcript ??= at;
    }
  }

  private inspectResponse(text: string): void {
    const frame = JSON.parse(text) as { id?: unknown; ok?: unknown; error?: unknown };
    const id = frame.id;
    const sent = typeof id === "string" ? this.pendingSends.get(id) : undefined;
    if (sent === undefined) return;
    this.pendingSends.delete(id as string);
    this.ackMs.push(Date.now() - sent.at);
    if (frame.ok === false) {
      this.refusals.push(frame.error);
      return;
    }
    if (this.arrivals.has(sent.key)) this.duplicates += 1;
    else this.arrivals.set(sent.key, sent.at);
  }

  private times(runId: string): ChatTimes {
    let times = this.chats.get(runId);
    if (!times) this.chats.set(runId, (times = {}));
    return times;
  }
}
