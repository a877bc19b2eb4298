/**
 * A loopback TCP proxy in front of the real Gateway that a test can switch into a network black hole:
 * connections stay open and new ones are accepted, but nothing gets through either way until it heals.
 * It also reads the client's (masked) WebSocket frames, so a test can see which requests each
 * connection carried, even ones the black hole swallowed.
 */
import net, { type AddressInfo } from "node:net";

export interface ProxiedConnection {
  /** 1, 2, … in the order the client connected. */
  id: number;
  /** Accepted while the black hole was on. */
  openedInBlackhole: boolean;
  /** Request methods the client sent on it, in order (`chat.send:<idempotencyKey>` for sends). */
  requests: string[];
  closed: boolean;
}

interface Pair {
  info: ProxiedConnection;
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Bytes the black hole is holding, as a dropped-but-retransmitted TCP stream would deliver them later. */
  heldUp: Buffer[];
  heldDown: Buffer[];
  /** The Gateway closed while held: the client learns it when the black hole heals. */
  upstreamEnded: boolean;
  frames: ClientFrameReader;
}

export class BlackholeProxy {
  readonly connections: ProxiedConnection[] = [];
  private readonly pairs = new Set<Pair>();
  private holding = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on("connection", (client) => this.accept(client));
  }

  static async start(targetUrl: string): Promise<BlackholeProxy> {
    const url = new URL(targetUrl);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`blackhole proxy: loopback targets only, not ${url.hostname}`);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new BlackholeProxy(server, { host: "127.0.0.1", port: Number(url.port) });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get blackholed(): boolean {
    return this.holding;
  }

  /** On: every byte either way is held. Off: what was held is delivered, and held connections reach the Gateway. */
  setBlackhole(on: boolean): void {
    this.holding = on;
    if (on) return;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      else this.flush(pair);
    }
  }

  /** Every request `method` (or `chat.send:<key>`) per connection, for connections that carried any. */
  requestsOn(match: string): Array<{ id: number; count: number; openedInBlackhole: boolean }> {
    return this.connections
      .map((c) => ({ id: c.id, count: c.requests.filter((r) => r === match).length, openedInBlackhole: c.openedInBlackhole }))
      .filter((c) => c.count > 0);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.end(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const info: ProxiedConnection = { id: this.connections.length + 1, openedInBlackhole: this.holding, requests: [], closed: false };
    this.connections.push(info);
    const pair: Pair = { info, client, upstream: undefined, heldUp: [], heldDown: [], upstreamEnded: false, frames: new ClientFrameReader((text) => record(info, text)) };
    this.pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      pair.frames.push(chunk);
      if (this.holding || !pair.upstream) pair.heldUp.push(chunk);
      else pair.upstream.write(chunk);
    });
    client.on("close", () => this.end(pair));
    client.on("error", () => this.end(pair));
    if (!this.holding) this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    if (pair.info.closed) return;
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on("connect", () => this.flush(pair));
    upstream.on("data", (chunk: Buffer) => {
      if (this.holding) pair.heldDown.push(chunk);
      else pair.client.write(chunk);
    });
    const upstreamGone = () => {
      if (this.holding) pair.upstreamEnded = true;
      else this.end(pair);
    };
    upstream.on("close", upstreamGone);
    upstream.on("error", upstreamGone);
  }

  private flush(pair: Pair): void {
    if (this.holding || !pair.upstream) return;
    if (pair.upstreamEnded) {
      for (const chunk of pair.heldDown.splice(0)) pair.client.write(chunk);
      pair.client.end(() => this.end(pair));
      return;
    }
    if (pair.upstream.connecting) return;
    for (const chunk of pair.heldUp.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.heldDown.splice(0)) pair.client.write(chunk);
  }

  private end(pair: Pair): void {
    if (pair.info.closed) return;
    pair.info.closed = true;
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}

function record(info: ProxiedConnection, text: string): void {
  try {
    const frame = JSON.parse(text) as { type?: unknown; method?: unknown; params?: { idempotencyKey?: unknown } };
    if (frame.type !== "req" || typeof frame.method !== "string") return;
    info.requests.push(frame.method === "chat.send" ? `chat.send:${String(frame.params?.idempotencyKey)}` : frame.method);
  } catch {
    // not JSON: not a request
  }
}

/** Decodes client→server WebSocket text frames (masked, unfragmented; the Gateway turns compression off) after the HTTP upgrade. */
class ClientFrameReader {
  private buffer = Buffer.alloc(0);
  private upgraded = false;

  constructor(private readonly onText: (text: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.buffer = this.buffer.subarray(end + 4);
      this.upgraded = true;
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const maskOffset = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i += 1) payload[i] = payload[i]! ^ this.buffer[maskOffset + (i % 4)]!;
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 0x1) this.onText(payload.toString("utf8"));
    }
  }
}
