/** The relay's sealing layer: writes reach Convex sealed, unopenable app messages are refused, unknown writes are dropped. */
import { generateContentKey } from "../../src/e2e/content-key.js";
import { open } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { runRow, sessionContext } from "../../src/e2e/row-contexts.js";
import { sealSend } from "../../src/e2e/client-rows.js";
import { SealedConvex, UNOPENED_REASON } from "../../src/bridge/sealed-convex.js";
import { getFunctionName, makeFunctionReference } from "convex/server";
import { api, type RelayMutation } from "../../src/convex-sync/relay-api.js";
import type { ConvexSide } from "../../src/bridge/ports.js";
import { captureLogger } from "../support/capture-logger.js";

type Write = { fn: string; args: Record<string, unknown> };

function recorder() {
  const writes: Write[] = [];
  const updates = new Map<string, (value: unknown) => void>();
  const inner: ConvexSide = {
    write: async (fn, args) => void writes.push({ fn: getFunctionName(fn), args: args as Record<string, unknown> }),
    subscribe: (fn, _args, onUpdate) => {
      updates.set(getFunctionName(fn), onUpdate as (value: unknown) => void);
      return () => undefined;
    },
  };
  return { inner, writes, push: (fn: string, value: unknown) => updates.get(fn)!(value) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

test("writes go out sealed, in order; a function without a sealing rule is dropped", async () => {
  const keys = await KeyRing.fromStored(generateContentKey());
  const { inner, writes } = recorder();
  const { logger, lines } = captureLogger();
  const logged = () => lines.map((l) => l.message).join("\n");
  const sealed = new SealedConvex(inner, keys, logger as never);
  await Promise.all([
    sealed.write(api.relay.upsertStream, { sessionKey: "agent:main:x", runId: "r1", text: "secret reply", state: "streaming" }),
    sealed.write(api.relay.upsertSessions, { sessions: [{ sessionKey: "agent:main:x", title: "secret title", updatedAt: 1 }] }),
    sealed.write(makeFunctionReference<"mutation">("relay:somethingNew") as unknown as RelayMutation, { text: "secret" } as never),
  ]);
  expect(writes.map((w) => w.fn)).toEqual(["relay:upsertStream", "relay:upsertSessions"]);
  expect(JSON.stringify(writes)).not.toMatch(/secret|agent:main:x/);
  const stream = writes[0]!.args as { sessionKey: string; text: string };
  expect(await open(keys, [{ sessionId: stream.sessionKey, field: "text", row: runRow("r1") }], stream.text)).toEqual({ ok: true, text: "secret reply" });
  const session = (writes[1]!.args.sessions as Array<{ sessionKey: string; title: string }>)[0]!;
  expect(session.sessionKey).toBe(stream.sessionKey);
  expect(await open(keys, [sessionContext(session.sessionKey, "title")], session.title)).toEqual({ ok: true, text: "secret title" });
  expect(logged()).toMatch(/without a sealing rule was dropped/);
});

test("queued app messages: opened when sealed for their row; legacy, foreign-key and moved-session-key ones are refused once", async () => {
  const keys = await KeyRing.fromStored(generateContentKey());
  const other = await KeyRing.fromStored(generateContentKey());
  const { inner, writes, push } = recorder();
  const sealed = new SealedConvex(inner, keys, captureLogger().logger as never);
  const seen: unknown[] = [];
  sealed.subscribe(api.relay.pendingMessages, {}, (rows) => seen.push(rows), () => undefined);
  const row = (messageId: string, s: Awaited<ReturnType<typeof sealSend>>) => ({ messageId, runId: `${messageId}-r`, createdAt: 1, ...s });
  const good = row("m1", await sealSend(keys, "agent:main:a", "c1", "hello"));
  const legacy = { messageId: "m2", sessionKey: "agent:main:a", text: "in the clear", clientMessageId: "c2", runId: "m2-r", createdAt: 1 };
  const foreign = row("m3", await sealSend(other, "agent:main:a", "c3", "other key"));
  // A valid copy of another session's key, paired by Convex with this session's id.
  const b = await sealSend(keys, "agent:main:b", "c4", "to b");
  const a = await sealSend(keys, "agent:main:a", "c4", "to b");
  const swapped = row("m4", { ...a, sessionKeyEnc: b.sessionKeyEnc });
  push("relay:pendingMessages", [good, legacy, foreign, swapped]);
  push("relay:pendingMessages", [good, legacy, foreign, swapped]);
  await until(() => seen.length === 2);
  expect(seen[1]).toEqual([{ messageId: "m1", runId: "m1-r", createdAt: 1, sessionKey: "agent:main:a", clientMessageId: "c1", text: "hello" }]);
  await until(() => writes.length === 3);
  const failed = writes.map((w) => w.args as { messageId: string; reason: string });
  expect(writes.every((w) => w.fn === "relay:markFailed")).toBe(true);
  expect(failed.map((f) => f.messageId)).toEqual(["m2", "m3", "m4"]);
  const reasons = await Promise.all(
    failed.map(async (f, i) => open(keys, [{ sessionId: [legacy, foreign, swapped][i]!.sessionKey, field: "error", row: `c:${["c2", "c3", "c4"][i]}` }], f.reason)),
  );
  expect(reasons).toEqual([
    { ok: true, text: UNOPENED_REASON.legacy },
    { ok: true, text: UNOPENED_REASON["unknown-key"] },
    // The copy was sealed for session b: it does not even open under a's id.
    { ok: true, text: UNOPENED_REASON.forged },
  ]);
});

test("a queued row is opened once while it stays queued; a changed row is opened again, and rows that left the queue are forgotten", async () => {
  const stored = await KeyRing.fromStored(generateContentKey());
  let decrypts = 0;
  const real = stored.current.crypto;
  const counted = KeyRing.of({ kid: stored.current.kid, crypto: { ...real, decrypt: (...args) => (decrypts++, real.decrypt(...args)) } });
  const { inner, push } = recorder();
  const sealed = new SealedConvex(inner, counted, captureLogger().logger as never);
  const seen: Array<Array<{ messageId: string; text: string }>> = [];
  sealed.subscribe(api.relay.pendingMessages, {}, (rows) => seen.push(rows as never), () => undefined);
  const row = async (messageId: string, text: string) => ({ messageId, runId: `${messageId}-r`, createdAt: 1, ...(await sealSend(counted, "agent:main:a", `c-${messageId}`, text)) });
  const m1 = await row("m1", "one");
  const m2 = await row("m2", "two");
  const texts = () => seen.at(-1)!.map((r) => `${r.messageId}:${r.text}`);

  push("relay:pendingMessages", [m1]);
  await until(() => seen.length === 1);
  const perRow = decrypts; // the session key's copy and the text
  expect(perRow).toBe(2);
  push("relay:pendingMessages", [m1, m2]);
  await until(() => seen.length === 2);
  expect(texts()).toEqual(["m1:one", "m2:two"]);
  expect(decrypts).toBe(2 * perRow); // m1 was not opened again

  const m2edited = { ...(await row("m2", "two, edited")), messageId: "m2" };
  push("relay:pendingMessages", [m2edited]);
  await until(() => seen.length === 3);
  expect(texts()).toEqual(["m2:two, edited"]);
  expect(decrypts).toBe(3 * perRow);

  // m1 left the queue: nothing of it is kept, so seeing it again means opening it again.
  push("relay:pendingMessages", [m1, m2edited]);
  await until(() => seen.length === 4);
  expect(texts()).toEqual(["m1:one", "m2:two, edited"]);
  expect(decrypts).toBe(4 * perRow);
});

test("a write about an app message that just left the queue is still sealed for its row; two queue updates later the row is forgotten", async () => {
  const keys = await KeyRing.fromStored(generateContentKey());
  const { inner, writes, push } = recorder();
  const sealed = new SealedConvex(inner, keys, captureLogger().logger as never);
  const seen: unknown[] = [];
  sealed.subscribe(api.relay.pendingMessages, {}, (rows) => seen.push(rows), () => undefined);
  const s = await sealSend(keys, "agent:main:a", "c1", "hello");
  push("relay:pendingMessages", [{ messageId: "m1", runId: "r1", createdAt: 1, ...s }]);
  push("relay:pendingMessages", []);
  await until(() => seen.length === 2);
  await sealed.write(api.relay.markFailed, { messageId: "m1" as never, reason: "late" });
  const reason = (writes.at(-1)!.args as { reason: string }).reason;
  expect(await open(keys, [{ sessionId: s.sessionKey, field: "error", row: "c:c1" }], reason)).toEqual({ ok: true, text: "late" });

  push("relay:pendingMessages", []);
  await until(() => seen.length === 3);
  await sealed.write(api.relay.markFailed, { messageId: "m1" as never, reason: "much later" });
  const orphan = (writes.at(-1)!.args as { reason: string }).reason;
  expect(await open(keys, [{ sessionId: s.sessionKey, field: "error", row: "c:c1" }], orphan)).toEqual({ ok: false, reason: "forged" });
  expect(await sealed.openAppFile("m1", "a1", new Uint8Array(64))).toEqual({ ok: false, reason: "forged" });
});
