/** Unit: the stub model picks the user's own text (and images) out of OpenClaw's prompt, streams, slows down, fails and attaches media on cue. */
import { longReplyFor, LONG_REPLY_CHUNKS, mediaReplyFor, pickUserText, startStubModelServer, stubReplyFor, type StubModelServer } from "../../dev/devkit/stub-model-server.js";

let stub: StubModelServer;
beforeAll(async () => {
  stub = await startStubModelServer({ chunkDelayMs: 5, slowChunkDelayMs: 30 });
});
afterAll(async () => {
  await stub.close();
});

const openclawMessages = (text: string) => [
  { role: "system", content: "You are an agent." },
  { role: "user", content: `[Sat 2026-11-21 09:48 UTC] ${text}\n\nRuntime: agent=main | host=x | model=stub/stub-model` },
  { role: "user", content: [{ type: "text", text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nstuff\n<<<END>>>" }] },
];

async function sseDeltas(res: Response): Promise<string[]> {
  const text = await res.text();
  const deltas: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> };
    const content = chunk.choices[0]?.delta.content;
    if (content) deltas.push(content);
  }
  return deltas;
}

const post = (body: unknown) =>
  fetch(`${stub.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("picks the user's text, not the internal-context message, and unwraps the date and Runtime lines", () => {
  expect(pickUserText(openclawMessages("hello there"))).toBe("hello there");
  expect(pickUserText([{ role: "user", content: "plain" }])).toBe("plain");
  expect(pickUserText("junk")).toBe("");
});

test("streams the deterministic reply in several SSE chunks and records the request", async () => {
  const res = await post({ model: "stub-model", stream: true, messages: openclawMessages("stream me") });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const deltas = await sseDeltas(res);
  expect(deltas.length).toBeGreaterThanOrEqual(2);
  expect(deltas.join("")).toBe(stubReplyFor("stream me"));
  expect(stub.requests.at(-1)).toMatchObject({ userText: "stream me", stream: true, kind: "default", clientClosedEarly: false });
});

test("non-streaming, models list, [[slow:N]] pacing and [[fail]]", async () => {
  const plain = (await (await post({ model: "stub-model", messages: openclawMessages("no stream") })).json()) as {
    choices: Array<{ message: { content: string } }>;
  };
  expect(plain.choices[0]?.message.content).toBe(stubReplyFor("no stream"));

  const models = (await (await fetch(`${stub.baseUrl}/models`)).json()) as { data: Array<{ id: string }> };
  expect(models.data.map((m) => m.id)).toEqual(["stub-model"]);

  const started = Date.now();
  const slow = await sseDeltas(await post({ stream: true, messages: openclawMessages("slowly [[slow:6]]") }));
  expect(slow).toHaveLength(6);
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  expect(slow.join("")).toBe(stubReplyFor("slowly"));

  const failed = await post({ stream: true, messages: openclawMessages("[[fail]] please") });
  expect(failed.status).toBe(400);
  expect(stub.requests.at(-1)?.kind).toBe("fail");

  const recorded = (await (await fetch(`${stub.baseUrl.replace(/\/v1$/, "")}/__stub/requests`)).json()) as unknown[];
  expect(recorded.length).toBe(stub.requests.length);
});

test("[[long:N]] streams a reply of exactly N characters whose lines all differ", async () => {
  const deltas = await sseDeltas(await post({ stream: true, messages: openclawMessages("long one [[long:20000]]") }));
  expect(deltas).toHaveLength(LONG_REPLY_CHUNKS);
  const reply = deltas.join("");
  expect(reply).toBe(longReplyFor("long one [[long:20000]]", 20_000));
  expect(reply).toHaveLength(20_000);
  expect(reply.startsWith(stubReplyFor("long one"))).toBe(true);
  expect(reply).not.toMatch(/\s$/);
  const lines = reply.split("\n");
  expect(new Set(lines).size).toBe(lines.length);
  expect(stub.requests.at(-1)?.kind).toBe("long");
});

/** The shape openclaw 2026.9.6 sent the model for a chat.send with one PNG (captured; path and runtime shortened). */
const withImage = (text: string, base64: string) => [
  { role: "system", content: "You are an agent." },
  {
    role: "user",
    content: [
      { type: "text", text: `[Fri 2026-12-04 20:22 UTC] [media attached: /tmp/gw/workspace/media/inbound/input-1.png (image/png)]\n${text}` },
      { type: "image_url", image_url: { url: `data:image/png;base64,${base64}` } },
      { type: "text", text: "Runtime: agent=main | session=agent:main:explore1 | model=stub/stub-model | channel=webchat" },
    ],
  },
  { role: "user", content: [{ type: "text", text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nstuff\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>" }] },
];

test("records the images of the user's message and still finds its own text", async () => {
  const base64 = Buffer.from("\x89PNG\r\n\x1a\n-image-bytes").toString("base64");
  const deltas = await sseDeltas(await post({ stream: true, messages: withImage("look at this", base64) }));
  expect(deltas.join("")).toBe(stubReplyFor("look at this"));
  expect(stub.requests.at(-1)).toMatchObject({ userText: "look at this", kind: "default", images: [{ mimeType: "image/png", base64 }] });
  // A text-only message records none.
  await sseDeltas(await post({ stream: true, messages: openclawMessages("no pictures") }));
  expect(stub.requests.at(-1)?.images).toEqual([]);
});

test("[[media:PATH]] ends the reply with a standalone MEDIA:PATH line", async () => {
  const deltas = await sseDeltas(await post({ stream: true, messages: openclawMessages("draw it [[media:/w/out.png]]") }));
  expect(deltas.join("")).toBe("Stub reply to: draw it\n\nMEDIA:/w/out.png");
  expect(mediaReplyFor("draw it [[media:/w/out.png]]", "/w/out.png")).toBe("Stub reply to: draw it\n\nMEDIA:/w/out.png");
  expect(stub.requests.at(-1)?.kind).toBe("media");
});
