/** A tiny OpenAI-compatible model server on loopback, so a real Gateway can run agent turns offline. */
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Directives the user's text may carry (the Gateway passes the text through to the model):
 * - default: a deterministic reply, `stubReplyFor(text)`, streamed in a few chunks.
 * - `[[slow:N]]`: N chunks about 250 ms apart (abort tests, restart-mid-reply tests).
 * - `[[fail]]`: HTTP 400 at once (the Gateway turns a 400 into a fast chat `error`; a 5xx it retries).
 * - `[[long:N]]`: a reply of exactly N characters, `longReplyFor(text, N)` (long-reply tests: the
 *   Gateway cuts transcript text at 8,000 characters), streamed in LONG_REPLY_CHUNKS pieces.
 * - `[[media:PATH]]`: the default reply, then a standalone `MEDIA:PATH` line, which the Gateway turns
 *   into a managed attachment of the reply (PATH must be a file the agent may read: its workspace).
 * Images the user sent (OpenAI `image_url` parts with a data URL) are recorded with the request.
 */
export const SLOW_DIRECTIVE = /\[\[slow:(\d{1,4})\]\]/;
export const FAIL_DIRECTIVE = "[[fail]]";
export const LONG_DIRECTIVE = /\[\[long:(\d{1,7})\]\]/;
export const LONG_REPLY_CHUNKS = 16;
export const MEDIA_DIRECTIVE = /\[\[media:([^\]\s]+)\]\]/;

/** OpenClaw appends this as a second user message; it is never what the user typed. */
const INTERNAL_CONTEXT_PREFIX = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>";

export interface StubModelRequest {
  at: number;
  model: string;
  stream: boolean;
  /** The user's own text, unwrapped from OpenClaw's `[date] text\n\nRuntime: …` envelope. */
  userText: string;
  /** Which reply was chosen: "default", "slow", "fail", "long", "media". */
  kind: "default" | "slow" | "fail" | "long" | "media";
  /** Image parts of the user's message, as the model got them. */
  images: StubModelImage[];
  /** True when the client hung up before the reply finished (an aborted run). */
  clientClosedEarly: boolean;
}

/** An image the model was given: its declared type and its bytes, base64 (as in the data URL). */
export interface StubModelImage {
  mimeType: string;
  base64: string;
}

export interface StubModelServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Delay between default-reply chunks. */
  chunkDelayMs?: number;
  /** Delay between `[[slow:N]]` chunks. */
  slowChunkDelayMs?: number;
  modelId?: string;
}

export interface StubModelServer {
  /** Base URL to put in OpenClaw's provider config: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  port: number;
  modelId: string;
  /** Requests seen so far (also served as JSON at GET /__stub/requests for other processes). */
  requests: StubModelRequest[];
  close(): Promise<void>;
}

/** The deterministic reply for a user's text; tests assert on it. */
export function stubReplyFor(userText: string): string {
  const text = userText.replace(SLOW_DIRECTIVE, "").replace(MEDIA_DIRECTIVE, "").trim();
  return `Stub reply to: ${text}`;
}

/** The `[[media:PATH]]` reply: the default reply, a blank line, then `MEDIA:PATH` on its own line. */
export function mediaReplyFor(userText: string, mediaPath: string): string {
  return `${stubReplyFor(userText)}\n\nMEDIA:${mediaPath}`;
}

/**
 * The `[[long:N]]` reply: the default reply, then numbered lines, cut to exactly N characters. Every
 * line is different, so a test can tell where a copy of it was cut.
 */
export function longReplyFor(userText: string, length: number): string {
  const head = stubReplyFor(userText.replace(LONG_DIRECTIVE, ""));
  const lines: string[] = [head];
  let size = head.length;
  for (let i = 1; size < length; i += 1) {
    const line = `\nline ${String(i).padStart(6, "0")}: the quick brown fox jumps over the lazy dog`;
    lines.push(line);
    size += line.length;
  }
  const text = lines.join("").slice(0, length);
  // The Gateway trims a reply's trailing whitespace; a reply that doesn't end in any stays exactly N long.
  return /\s$/.test(text) ? `${text.slice(0, -1)}.` : text;
}

/**
 * Unwraps `"[<date>] <text>\n\nRuntime: …"` to `<text>`; leaves other strings alone. With files attached
 * the Gateway also puts a `[media attached: <path> (<type>)]` line before the text: dropped too.
 */
export function unwrapOpenClawUserText(raw: string): string {
  let text = raw;
  const runtimeAt = text.search(/\n\nRuntime:/);
  if (runtimeAt >= 0) text = text.slice(0, runtimeAt);
  text = text.replace(/^\[[^\]\n]*\]\s*/, "");
  text = text.replace(/^(\[media attached: [^\n]*\]\s*)+/, "");
  return text.trim();
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    // With an image the Gateway sends text, image, then the Runtime line as a separate text part.
    return content
      .map((part: unknown) =>
        part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : "",
      )
      .filter((text) => text.length > 0)
      .join("\n\n");
  }
  return "";
}

/** The `image_url` data-URL parts of a message's content. */
export function contentImages(content: unknown): StubModelImage[] {
  if (!Array.isArray(content)) return [];
  const images: StubModelImage[] = [];
  for (const part of content as unknown[]) {
    if (!part || typeof part !== "object" || (part as { type?: unknown }).type !== "image_url") continue;
    const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
    const match = typeof url === "string" ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
    if (match) images.push({ mimeType: match[1]!, base64: match[2]! });
  }
  return images;
}

/** The last user message that is not OpenClaw's internal-context block: its text, unwrapped. */
export function pickUserText(messages: unknown): string {
  return pickUserMessage(messages).text;
}

/** The last user message that is not OpenClaw's internal-context block: its text (unwrapped) and images. */
export function pickUserMessage(messages: unknown): { text: string; images: StubModelImage[] } {
  if (!Array.isArray(messages)) return { text: "", images: [] };
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message: unknown = messages[i];
    if (!message || typeof message !== "object") continue;
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role !== "user") continue;
    const text = contentText(content);
    if (text.trimStart().startsWith(INTERNAL_CONTEXT_PREFIX)) continue;
    return { text: unwrapOpenClawUserText(text), images: contentImages(content) };
  }
  return { text: "", images: [] };
}

/** Splits a reply into `count` roughly equal non-empty pieces. */
export function splitIntoChunks(text: string, count: number): string[] {
  const n = Math.max(1, Math.min(count, text.length));
  const size = Math.ceil(text.length / n);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startStubModelServer(options: StubModelServerOptions = {}): Promise<StubModelServer> {
  const modelId = options.modelId ?? "stub-model";
  const chunkDelayMs = options.chunkDelayMs ?? 40;
  const slowChunkDelayMs = options.slowChunkDelayMs ?? 250;
  const requests: StubModelRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  async function completions(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body: { model?: unknown; messages?: unknown; stream?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      sendJson(res, 400, { error: { message: "invalid JSON", type: "invalid_request_error" } });
      return;
    }
    const { text: userText, images } = pickUserMessage(body.messages);
    const stream = body.stream === true;
    const slow = SLOW_DIRECTIVE.exec(userText);
    const long = LONG_DIRECTIVE.exec(userText);
    const media = MEDIA_DIRECTIVE.exec(userText);
    const kind: StubModelRequest["kind"] = userText.includes(FAIL_DIRECTIVE) ? "fail" : slow ? "slow" : long ? "long" : media ? "media" : "default";
    const record: StubModelRequest = {
      at: Date.now(),
      model: typeof body.model === "string" ? body.model : "",
      stream,
      userText,
      kind,
      images,
      clientClosedEarly: false,
    };
    requests.push(record);

    if (kind === "fail") {
      sendJson(res, 400, { error: { message: "stub model: scripted failure", type: "invalid_request_error" } });
      return;
    }
    const reply = long ? longReplyFor(userText, Number(long[1])) : media ? mediaReplyFor(userText, media[1]!) : stubReplyFor(userText);
    const chunks = splitIntoChunks(reply, slow ? Number(slow[1]) : long ? LONG_REPLY_CHUNKS : 4);
    const delay = slow ? slowChunkDelayMs : chunkDelayMs;
    const id = `chatcmpl-stub-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);

    if (!stream) {
      if (slow) await sleep(delay * chunks.length);
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model: modelId,
        choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: chunks.length, total_tokens: 10 + chunks.length },
      });
      return;
    }

    let closed = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true;
        record.clientClosedEarly = true;
      }
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const frame = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model: modelId,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      })}\n\n`;
    res.write(frame({ role: "assistant", content: "" }, null));
    for (const chunk of chunks) {
      // Wait before each piece so the Gateway sees (and forwards) separate deltas.
      await sleep(delay);
      if (closed) return;
      res.write(frame({ content: chunk }, null));
    }
    if (closed) return;
    res.write(frame({}, "stop", { prompt_tokens: 10, completion_tokens: chunks.length, total_tokens: 10 + chunks.length }));
    res.end("data: [DONE]\n\n");
  }

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "POST" && url === "/v1/chat/completions") {
      completions(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: "stub model crashed" } });
        else res.destroy();
      });
      return;
    }
    if (req.method === "GET" && url === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: modelId, object: "model", created: 0, owned_by: "stub" }] });
      return;
    }
    if (req.method === "GET" && url === "/__stub/requests") {
      sendJson(res, 200, requests);
      return;
    }
    if (req.method === "DELETE" && url === "/__stub/requests") {
      requests.length = 0;
      sendJson(res, 200, { ok: true });
      return;
    }
    sendJson(res, 404, { error: { message: `stub model: no route ${req.method} ${url}` } });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    modelId,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
