/** The interactive chat fed from a pipe: commands, a reply, status notices, and leaving at the end of input. */
import { PassThrough } from "node:stream";
import { runChatRepl } from "../../src/chat/chat-repl.js";
import { FakeApp, replies, sink } from "./fake-app.js";

async function session(fake: FakeApp, lines: string[], options: { keepOpen?: boolean; signal?: AbortSignal } = {}) {
  const input = new PassThrough();
  const output = sink();
  const done = runChatRepl({ link: fake.link(), sessionKey: "agent:main:main", input, output, timeoutMs: 2_000, ...(options.signal ? { signal: options.signal } : {}) });
  for (const line of lines) input.write(`${line}\n`);
  if (!options.keepOpen) input.end();
  return { done, output, input };
}

test("sends typed lines and shows the replies; leaves at the end of input", async () => {
  const fake = new FakeApp();
  replies(fake);
  const { done, output } = await session(fake, ["hello there", "second"]);
  expect(await done).toBe(0);
  const text = output.text();
  expect(text).toContain('Chatting with "Desk" in session agent:main:main');
  expect(text).toContain("agent> Stub reply to: hello there\n");
  expect(text).toContain("agent> Stub reply to: second\n");
  expect(fake.sent.map((s) => s.text)).toEqual(["hello there", "second"]);
  expect(fake.closed).toBe(false); // the caller owns the link
});

test("commands: /help, /sessions, /new, /session, /history, /status, unknown; /quit stops before later lines", async () => {
  const fake = new FakeApp();
  replies(fake);
  const { done, output } = await session(fake, ["/help", "/sessions", "/new work", "hi work", "/session main", "/history", "/status", "/bogus", "/quit", "never sent"]);
  expect(await done).toBe(0);
  const text = output.text();
  expect(text).toContain("/sessions        list the sessions");
  expect(text).toContain("* agent:main:main");
  expect(text).toContain("[session] agent:main:work");
  expect(fake.sent).toEqual([{ sessionKey: "agent:main:work", text: "hi work" }]);
  expect(text).toContain("(no messages in this session yet)");
  expect(text).toContain('[status] Relay "Desk" is online');
  expect(text).toContain("unknown command /bogus");
  expect(fake.sent.map((s) => s.text)).not.toContain("never sent");
});

test("a failed turn is reported and the chat goes on", async () => {
  const fake = new FakeApp();
  fake.onSend = (user) => setTimeout(() => fake.update(user.messageId, { status: "failed", error: "gateway refused" }), 5);
  const { done, output } = await session(fake, ["will fail"]);
  expect(await done).toBe(0);
  expect(output.text()).toContain("[failed] gateway refused");
});

test("status changes while chatting are announced; /abort with nothing streaming says so", async () => {
  const fake = new FakeApp();
  const controller = new AbortController();
  const { done, output, input } = await session(fake, ["/abort"], { keepOpen: true, signal: controller.signal });
  await new Promise((r) => setTimeout(r, 50));
  fake.setStatus({ relay: { online: false, lastSeenAt: Date.now() } });
  await new Promise((r) => setTimeout(r, 50));
  fake.setStatus({ relay: { online: true, lastSeenAt: Date.now() }, gateway: { connected: false, error: "closed 1012" } });
  await new Promise((r) => setTimeout(r, 50));
  controller.abort();
  expect(await done).toBe(0);
  input.end();
  const text = output.text();
  expect(text).toContain("[abort] nothing is streaming");
  expect(text).toMatch(/\[status\] Relay "Desk" is offline/);
  expect(text).toMatch(/\[status\] Relay "Desk" is online, but its OpenClaw Gateway is not connected: closed 1012/);
});

test("/abort typed while a reply streams asks Convex to stop it at once", async () => {
  const fake = new FakeApp();
  let replyId = "";
  fake.onSend = (user) =>
    setTimeout(() => {
      fake.update(user.messageId, { status: "delivered" });
      replyId = fake.add({ sessionKey: user.sessionKey, role: "assistant", status: "streaming", text: "long", runId: user.messageId }).messageId;
    }, 5);
  const app = fake.app as unknown as { requestAbort: (id: string) => Promise<void> };
  app.requestAbort = async (id: string) => {
    fake.aborts.push(id);
    setTimeout(() => fake.update(id, { status: "aborted", text: "long, cut" }), 5);
  };
  const input = new PassThrough();
  const output = sink();
  const done = runChatRepl({ link: fake.link(), sessionKey: "agent:main:main", input, output, timeoutMs: 5_000 });
  input.write("ramble\n");
  await new Promise((r) => setTimeout(r, 80));
  input.write("/abort\n");
  input.end();
  expect(await done).toBe(0);
  expect(fake.aborts).toEqual([replyId]);
  expect(output.text()).toContain("[abort] asking the relay to stop the reply");
  expect(output.text()).toContain("[aborted] the reply was aborted");
});

test("on a terminal, a status notice is written above the prompt, which is shown again", async () => {
  const fake = new FakeApp();
  const input = Object.assign(new PassThrough(), { isTTY: true });
  let written = "";
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  output.on("data", (c: Buffer) => (written += c.toString("utf8")));
  const controller = new AbortController();
  const done = runChatRepl({ link: fake.link(), sessionKey: "agent:main:main", input, output, timeoutMs: 2_000, signal: controller.signal });
  await new Promise((r) => setTimeout(r, 50));
  fake.setStatus({ relay: { online: false, lastSeenAt: Date.now() } });
  await new Promise((r) => setTimeout(r, 50));
  controller.abort();
  expect(await done).toBe(0);
  const text = written;
  expect(text).toContain('\r\x1b[K[status] Relay "Desk" is offline');
  expect(text.slice(text.indexOf("is offline"))).toContain("you> ");
});
