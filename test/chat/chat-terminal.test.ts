/** What the chat prints from Convex and the Gateway (names, titles, previews, replies, errors) reaches the terminal sanitized. */
import { PassThrough } from "node:stream";
import { chatOnce } from "../../src/chat/chat-once.js";
import { runChatRepl } from "../../src/chat/chat-repl.js";
import { historyLines, sessionLines } from "../../src/chat/chat-views.js";
import { StreamPrinter } from "../../src/chat/stream-printer.js";
import type { AppMessage } from "../../src/app-client/app-client.js";
import { FakeApp, replies, sink } from "./fake-app.js";

const LIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07";
const FAKE_LINE = "\x1b[2K\r[status] Relay is offline";

test("session list: hostile titles, previews and keys are printed without escapes, each on its own line", () => {
  const lines = sessionLines(
    [{ sessionKey: `agent:main:x${OSC52}`, sessionId: "s1.x", e2e: "ok", title: `Title${FAKE_LINE}`, lastMessagePreview: `pre\nview\u202eexe`, updatedAt: 0, hasActiveRun: false }],
    "agent:main:main",
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(LIVE);
  expect(lines[0]).not.toContain("\n");
  expect(lines[0]).toContain('"Title [status] Relay is offline"');
});

test("history: agent text keeps its lines but loses escapes; an error reason is one clean line", () => {
  const rows = [
    { messageId: "a", sessionKey: "s", role: "assistant", status: "final", text: `line 1\nline 2${OSC52}`, source: "gateway", createdAt: 1, updatedAt: 1 },
    { messageId: "b", sessionKey: "s", role: "user", status: "failed", error: `refused${FAKE_LINE}`, text: "hi", source: "app", createdAt: 2, updatedAt: 2 },
  ] as AppMessage[];
  const lines = historyLines(rows.slice().reverse());
  expect(lines.join("\n")).not.toMatch(LIVE);
  expect(lines[0]).toBe("agent> line 1\nline 2");
});

test("a streamed reply is printed without its escape sequences, and a revision is detected on the clean text", () => {
  const out = sink(true);
  const printer = new StreamPrinter(out, true, "agent> ");
  printer.update("Hello\x1b]0;pwned\x07");
  printer.update("Hello\x1b]0;pwned\x07 world\x1b[2J");
  printer.finish("Hello\x1b]0;pwned\x07 world\x1b[2J!");
  expect(out.text()).toBe("agent> Hello world!\n");
});

test("the interactive chat: instance name, status error and a failed turn's reason arrive sanitized", async () => {
  const fake = new FakeApp();
  fake.status = { ...fake.status, instanceName: `Desk${OSC52}`, gateway: { connected: false, error: `AUTH${FAKE_LINE}` } };
  fake.onSend = (user) => setTimeout(() => fake.update(user.messageId, { status: "failed", error: `refused\x1b]0;title\x07 by gateway\u202e` }), 5);
  const input = new PassThrough();
  const output = sink();
  const done = runChatRepl({ link: fake.link(), sessionKey: "agent:main:main", input, output, timeoutMs: 2_000 });
  input.write("hello\n");
  input.end();
  expect(await done).toBe(0);
  const text = output.text();
  expect(text).not.toMatch(LIVE);
  expect(text).toContain("[failed] refused by gateway");
  expect(text).toContain("its OpenClaw Gateway is not connected: AUTH [status] Relay is offline");
});

describe("chat --message", () => {
  function once(fake: FakeApp, json: boolean) {
    const stdout = sink(false);
    const errors: string[] = [];
    const result = chatOnce({ link: fake.link(), sessionKey: "agent:main:main", message: "hi", timeoutMs: 2_000, json, live: false, stdout, err: (l) => errors.push(l) });
    return { result, stdout, errors };
  }

  test("a reply with escape sequences: printed clean; with --json exact but escaped", async () => {
    const reply = `Done.${OSC52}\nSecond line\u202e`;
    for (const json of [false, true]) {
      const fake = new FakeApp();
      replies(fake, () => reply);
      const { result, stdout } = once(fake, json);
      expect(await result).toBe(0);
      expect(stdout.text()).not.toMatch(LIVE);
      if (json) expect((JSON.parse(stdout.text()) as { reply: string }).reply).toBe(reply);
      else expect(stdout.text()).toBe("Done.\nSecond line\n");
    }
  });

  test("a refusal reason from the Gateway cannot fake a line of its own", async () => {
    const fake = new FakeApp();
    fake.onSend = (user) => setTimeout(() => fake.update(user.messageId, { status: "failed", error: `nope${FAKE_LINE}` }), 5);
    const { result, errors } = once(fake, false);
    expect(await result).toBe(1);
    expect(errors).toContain("fastclaw-relay chat: the message was not delivered: nope [status] Relay is offline");
  });
});
