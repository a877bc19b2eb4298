/** `chat --message` against scripted Convex rows: the reply, every failure's exit code and message, and status warnings. */
import { ConvexError } from "convex/values";
import { chatOnce, type ChatOnceOptions } from "../../src/chat/chat-once.js";
import { FakeApp, replies, sink } from "./fake-app.js";

function run(fake: FakeApp, extra: Partial<ChatOnceOptions> = {}) {
  const stdout = sink(extra.live ?? false);
  const errors: string[] = [];
  const result = chatOnce({
    link: fake.link(),
    sessionKey: "agent:main:main",
    message: "hello",
    timeoutMs: 2_000,
    json: false,
    live: false,
    stdout,
    err: (line) => errors.push(line),
    ...extra,
  });
  return { result, stdout, errors };
}

test("a final reply: printed once, exit 0", async () => {
  const fake = new FakeApp();
  replies(fake);
  const { result, stdout, errors } = run(fake);
  expect(await result).toBe(0);
  expect(stdout.text()).toBe("Stub reply to: hello\n");
  expect(errors).toEqual([]);
  expect(fake.sent).toEqual([{ sessionKey: "agent:main:main", text: "hello" }]);
});

test("live (a terminal): the reply grows on one line", async () => {
  const fake = new FakeApp();
  replies(fake);
  const { result, stdout } = run(fake, { live: true });
  expect(await result).toBe(0);
  expect(stdout.text()).toBe("Stub reply to: hello\n");
});

test("--json: one object with the reply", async () => {
  const fake = new FakeApp();
  replies(fake);
  const { result, stdout } = run(fake, { json: true });
  expect(await result).toBe(0);
  expect(JSON.parse(stdout.text())).toMatchObject({ ok: true, phase: "final", reply: "Stub reply to: hello", sessionKey: "agent:main:main", relay: { health: "ok" } });
});

test.each([
  ["failed", "session is closed", /not delivered: session is closed/],
  ["expired", "older than 300 s", /expired before the relay could deliver it: older than 300 s/],
])("the message %s: exit 1 with the reason", async (status, error, message) => {
  const fake = new FakeApp();
  fake.onSend = (user) => setTimeout(() => fake.update(user.messageId, { status, error }), 5);
  const { result, errors } = run(fake);
  expect(await result).toBe(1);
  expect(errors.join("\n")).toMatch(message);
});

test("the agent's run failed: exit 1, the error", async () => {
  const fake = new FakeApp();
  fake.onSend = (user) =>
    setTimeout(() => {
      fake.update(user.messageId, { status: "delivered" });
      fake.add({ sessionKey: user.sessionKey, role: "assistant", status: "error", error: "model returned 400", runId: user.messageId });
    }, 5);
  const { result, errors, stdout } = run(fake, { json: true });
  expect(await result).toBe(1);
  expect(JSON.parse(stdout.text())).toMatchObject({ ok: false, phase: "error", error: "the agent's reply failed: model returned 400" });
  expect(errors).toEqual([]);
});

test("aborted: the partial text is printed, exit 1", async () => {
  const fake = new FakeApp();
  fake.onSend = (user) =>
    setTimeout(() => {
      fake.update(user.messageId, { status: "delivered" });
      fake.add({ sessionKey: user.sessionKey, role: "assistant", status: "aborted", text: "part", runId: user.messageId });
    }, 5);
  const { result, errors, stdout } = run(fake);
  expect(await result).toBe(1);
  expect(stdout.text()).toBe("part\n");
  expect(errors.join("\n")).toMatch(/the reply was aborted/);
});

test("relay down: warned before sending; no reply in time: exit 1 saying where it is stuck and why", async () => {
  const fake = new FakeApp();
  fake.status = { ...fake.status, relay: { online: false, lastSeenAt: Date.now() - 120_000 }, gateway: { connected: false } };
  const { result, errors } = run(fake, { timeoutMs: 200 });
  expect(await result).toBe(1);
  const text = errors.join("\n");
  expect(text).toMatch(/Relay "Desk" is offline \(last seen 2 min ago\)/);
  expect(text).toMatch(/no final reply within 0 s: the relay has not picked the message up/);
});

test("gateway down: warned, and the timeout names the Gateway", async () => {
  const fake = new FakeApp();
  fake.status = { ...fake.status, gateway: { connected: false, error: "connect ECONNREFUSED" } };
  fake.onSend = (user) => setTimeout(() => fake.update(user.messageId, { status: "delivered" }), 5);
  const { result, errors } = run(fake, { timeoutMs: 300 });
  expect(await result).toBe(1);
  expect(errors.join("\n")).toMatch(/its OpenClaw Gateway is not connected: connect ECONNREFUSED/);
  expect(errors.join("\n")).toMatch(/the Gateway has the message, but no reply came/);
});

test("interrupted (Ctrl-C) while waiting: exit 1", async () => {
  const fake = new FakeApp();
  const controller = new AbortController();
  const { result, errors } = run(fake, { signal: controller.signal, timeoutMs: 10_000 });
  setTimeout(() => controller.abort(), 50);
  expect(await result).toBe(1);
  expect(errors.join("\n")).toMatch(/interrupted/);
});

test("the device is revoked while waiting: an UNAUTHORIZED ChatError saying to pair again", async () => {
  const fake = new FakeApp();
  fake.onSend = () => setTimeout(() => fake.failSubscriptions(new ConvexError({ code: "UNAUTHORIZED", message: "unauthorized" })), 5);
  const { result } = run(fake);
  await expect(result).rejects.toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/no longer accepts this chat device/) });
});

test("sending fails: an UNREACHABLE ChatError", async () => {
  const fake = new FakeApp();
  fake.sendError = new Error("connection lost");
  const { result } = run(fake);
  await expect(result).rejects.toMatchObject({ code: "UNREACHABLE", message: "talking to Convex failed: connection lost" });
});
