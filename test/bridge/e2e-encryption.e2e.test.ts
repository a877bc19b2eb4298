/** End-to-end encryption through the real relay, Gateway and local Convex: Convex holds no plaintext; a reset cuts old keys off. */
import { randomBytes } from "node:crypto";
import { AppClient } from "../../src/app-client/app-client.js";
import { parsePairingPayload } from "../../src/pairing/payload.js";
import { open } from "../../src/e2e/envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { messageContexts, type MessageIds } from "../../src/e2e/row-contexts.js";
import { pairingPayload, startRelayCli } from "../chat/relay-cli.js";
import { eventually, expectTranscriptMatchesConvex, streamingReply, usePipeline } from "./pipeline.js";

const current = usePipeline();
const tag = randomBytes(4).toString("hex");
// Lower case: the Gateway stores session keys lower-cased, and the scan below ignores case anyway.
const CANARY = { key: `canarykey${tag}`, msg: `canarymsg${tag}`, channel: `canarychan${tag}`, abort: `canaryabort${tag}`, after: `canaryafter${tag}` };
const KEY = `agent:main:${CANARY.key}`;

async function dump(): Promise<Record<string, unknown[]>> {
  return current().convex.dumpTables();
}

test("after pairing, chats both ways, streaming, a channel message and an abort, no table holds a canary", async () => {
  const { app, operator } = current();
  const watch = current().watch(KEY);
  await app.send(KEY, `hello ${CANARY.msg} [[slow:6]]`);
  await eventually(async () => {
    const rows = await app.allMessages(KEY);
    if (!rows.some((r) => r.role === "assistant" && r.status === "final" && r.text.includes(CANARY.msg))) {
      throw new Error(`no final reply yet: ${JSON.stringify(rows.map((r) => [r.role, r.status, r.e2e, r.text.slice(0, 60)]))}`);
    }
  }, 60_000);
  watch.stop();
  // The app saw the reply stream, opened, while it was being written.
  expect(watch.history.some((page) => page.some((r) => r.role === "assistant" && r.status === "streaming" && r.e2e === "ok" && r.text.length > 0))).toBe(true);

  await operator.connection.chatSend({ sessionKey: KEY, message: `from elsewhere ${CANARY.channel}`, idempotencyKey: `cli-${tag}` });
  await eventually(async () => {
    const rows = await app.allMessages(KEY);
    if (!rows.some((r) => r.source === "gateway" && r.role === "user" && r.text === `from elsewhere ${CANARY.channel}`)) throw new Error("channel message not mirrored yet");
    // Its reply too: the abort below must find the next reply streaming, not this one.
    if (rows.filter((r) => r.role === "assistant" && r.status === "final").length < 2) throw new Error("the channel message's reply is not final yet");
  }, 60_000);

  await app.send(KEY, `ramble ${CANARY.abort} [[slow:60]]`);
  const streaming = await streamingReply(current(), KEY);
  await app.requestAbort(streaming.messageId);
  await eventually(async () => {
    const row = (await app.allMessages(KEY)).find((r) => r.messageId === streaming.messageId);
    if (row?.status !== "aborted") throw new Error(`row is ${row?.status}`);
  }, 30_000);

  const rows = await expectTranscriptMatchesConvex(current(), KEY, 60_000);
  expect(rows.every((r) => r.e2e === "ok")).toBe(true);
  const session = await eventually(async () => {
    const found = (await app.listSessions()).find((s) => s.sessionKey === KEY);
    if (!found) throw new Error("session not listed with its key yet");
    return found;
  });
  expect(session).toMatchObject({ e2e: "ok" });
  expect(session.sessionId).toMatch(/^s1\./);

  const stored = JSON.stringify(await dump());
  for (const canary of Object.values(CANARY)) expect(stored.toLowerCase()).not.toContain(canary);
  expect(stored).not.toContain("Stub reply to");
  // What is there instead: the session's id and envelopes.
  expect(stored).toContain(session.sessionId);
  expect(stored).toMatch(/"text":"fc1\./);
}, 240_000);

test("pair --reset: a device paired before cannot open what is written after; the re-paired one can", async () => {
  const pipeline = current();
  const oldKeys = pipeline.app.keys;
  const reset = startRelayCli(["pair", "--reset", "--yes", "--json"], pipeline.home.env);
  let app: AppClient | undefined;
  try {
    const payload = parsePairingPayload(await pairingPayload(reset));
    expect(payload.contentKey).not.toBe(pipeline.contentKey);
    ({ app } = await AppClient.claim(pipeline.convex.url, {
      pairingToken: payload.token,
      keys: await KeyRing.fromStored(payload.contentKey),
      deviceName: "re-paired phone",
      platform: "test",
    }));
    expect(await reset.exited).toBe(0);
    const newApp = app;
    // The running relay picks up the new secret and key by itself.
    const rows = await eventually(async () => {
      const sent = await newApp.send(KEY, `after the reset ${CANARY.after}`).catch(() => undefined);
      if (sent === undefined) throw new Error("send refused");
      return eventually(async () => {
        const all = await newApp.allMessages(KEY);
        if (!all.some((r) => r.role === "assistant" && r.status === "final" && r.text.includes(CANARY.after))) throw new Error("no reply yet");
        return all;
      }, 60_000);
    }, 90_000);
    expect(rows.every((r) => r.e2e === "ok")).toBe(true);

    // Every row written since, as Convex stores it: the new key opens it, the old one does not.
    const stored = (await dump()).messages as Array<MessageIds & { text: string; _id: string }>;
    const after = stored.filter((m) => rows.some((r) => r.messageId === m._id));
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const row of after) {
      expect(await open(newApp.keys, messageContexts(row, "text"), row.text)).toMatchObject({ ok: true });
      expect(await open(oldKeys, messageContexts(row, "text"), row.text)).toEqual({ ok: false, reason: "unknown-key" });
    }
    expect(JSON.stringify(await dump()).toLowerCase()).not.toContain(CANARY.after);
  } finally {
    await reset.stop();
    await app?.close();
  }
}, 240_000);
