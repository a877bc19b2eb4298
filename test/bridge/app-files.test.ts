/** Unit: an app message's files are fetched and opened before chat.send; every way that can fail is classified and acted on. */
import { AppFiles, type AppFilesDeps, type StoredFile } from "../../src/bridge/app-files.js";
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { SealedConvex } from "../../src/bridge/sealed-convex.js";
import { api } from "../../src/convex-sync/relay-api.js";
import { sealSend } from "../../src/e2e/client-rows.js";
import { generateContentKey } from "../../src/e2e/content-key.js";
import { seal } from "../../src/e2e/envelope.js";
import { fileContext, fileNameContext, sealFile } from "../../src/e2e/file-envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import type { ConvexSide } from "../../src/bridge/ports.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeGateway, RecordingConvex, flush } from "./fakes.js";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
const NOW = 1_000_000;

/** A SealedConvex that has seen one queued app message (m1, session agent:main:a), as the relay would. */
async function relayThatSawMessage() {
  const keys = await KeyRing.fromStored(generateContentKey());
  const inner: ConvexSide = { write: async () => undefined, subscribe: (_fn, _args, onUpdate) => ((push = onUpdate as (v: unknown) => void), () => undefined) };
  let push: (value: unknown) => void = () => undefined;
  const sealed = new SealedConvex(inner, keys, silentLogger());
  const seen: unknown[] = [];
  sealed.subscribe(api.relay.pendingMessages, {}, (rows) => seen.push(rows), () => undefined);
  const sent = await sealSend(keys, "agent:main:a", "c1", "look at this");
  push([{ messageId: "m1", runId: "fastclaw-m1", createdAt: NOW, ...sent }]);
  for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  return { keys, sealed, sessionId: sent.sessionKey };
}

/** Storage as a map of URL → bytes; a missing URL answers 404, as Convex storage does for a deleted file. */
function storage(files: Record<string, Uint8Array>, broken = false): AppFilesDeps["fetch"] {
  return async (url) => {
    if (broken) throw new TypeError("fetch failed");
    const bytes = files[url];
    return bytes ? new Response(new Uint8Array(bytes)) : new Response("gone", { status: 404 });
  };
}

const row = (attachmentId: string, url: string | null, extra: Partial<StoredFile> = {}): StoredFile => ({
  attachmentId,
  type: "image/png",
  size: 100,
  source: "app",
  createdAt: NOW,
  expiresAt: NOW + 1000,
  url,
  ...extra,
});

async function appFiles(rows: StoredFile[] | (() => Promise<StoredFile[]>), files: Record<string, Uint8Array>, options: { broken?: boolean; clock?: FakeClock } = {}) {
  const relay = await relayThatSawMessage();
  const made = new AppFiles({
    filesOf: typeof rows === "function" ? rows : async () => rows,
    fetch: storage(files, options.broken),
    open: (m, a, b) => relay.sealed.openAppFile(m, a, b),
    openName: (m, a, n) => relay.sealed.openAppFileName(m, a, n),
    ...(options.clock ? { clock: options.clock, listTimeoutMs: 1000 } : {}),
  });
  return { ...relay, made };
}

describe("AppFiles", () => {
  test("files sealed for the message's session and their attachment id open byte-identical, with their names", async () => {
    const relay = await relayThatSawMessage();
    const attachmentId = "att-0123456789abcdef";
    const sealedBytes = await sealFile(relay.keys.current, fileContext(relay.sessionId, attachmentId), PNG);
    const nameEnc = await seal(relay.keys.current, fileNameContext(relay.sessionId, attachmentId), "cat.png");
    const made = new AppFiles({
      filesOf: async (messageId) => (messageId === "m1" ? [row(attachmentId, "https://files/1", { nameEnc })] : []),
      fetch: storage({ "https://files/1": sealedBytes }),
      open: (m, a, b) => relay.sealed.openAppFile(m, a, b),
      openName: (m, a, n) => relay.sealed.openAppFileName(m, a, n),
    });
    const loaded = await made.load("m1");
    expect(loaded).toEqual({ ok: true, files: [{ bytes: PNG, mimeType: "image/png", fileName: "cat.png" }] });
    await expect(made.load("m-without-files")).resolves.toEqual({ ok: true, files: [] });
  });

  test("a file moved to another attachment id (or another message) does not open: final, ATTACHMENT_UNDECRYPTABLE", async () => {
    const relay = await relayThatSawMessage();
    const forOther = await sealFile(relay.keys.current, fileContext(relay.sessionId, "att-other-0123456789"), PNG);
    const swapped = new AppFiles({
      filesOf: async () => [row("att-0123456789abcdef", "u")],
      fetch: storage({ u: forOther }),
      open: (m, a, b) => relay.sealed.openAppFile(m, a, b),
      openName: (m, a, n) => relay.sealed.openAppFileName(m, a, n),
    });
    const loaded = await swapped.load("m1");
    expect(loaded).toMatchObject({ ok: false, failure: { kind: "rejected", code: "ATTACHMENT_UNDECRYPTABLE" } });
    // A message this process was never given: nothing to bind the file to.
    const unknown = await swapped.load("m-unknown");
    expect(unknown).toMatchObject({ ok: false, failure: { kind: "rejected", code: "ATTACHMENT_UNDECRYPTABLE" } });
  });

  test("a file no longer stored (no URL, or 404) is final: ATTACHMENT_GONE", async () => {
    const noUrl = await (await appFiles([row("att-0123456789abcdef", null)], {})).made.load("m1");
    expect(noUrl).toMatchObject({ ok: false, failure: { kind: "rejected", code: "ATTACHMENT_GONE" } });
    const deleted = await (await appFiles([row("att-0123456789abcdef", "https://files/gone")], {})).made.load("m1");
    expect(deleted).toMatchObject({ ok: false, failure: { kind: "rejected", code: "ATTACHMENT_GONE", reason: expect.stringMatching(/no longer stored/) } });
  });

  test("storage unreachable, or the file list failing, is transient (retried)", async () => {
    const unreachable = await (await appFiles([row("att-0123456789abcdef", "https://files/1")], {}, { broken: true })).made.load("m1");
    expect(unreachable).toMatchObject({ ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED" } });
    const listFails = await (await appFiles(() => Promise.reject(new Error("Convex offline")), {})).made.load("m1");
    expect(listFails).toMatchObject({ ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED" } });
  });

  test("a file list that never comes (Convex away) times out as transient instead of holding the session", async () => {
    const clock = new FakeClock(NOW);
    const { made } = await appFiles(() => new Promise<StoredFile[]>(() => undefined), {}, { clock });
    const loading = made.load("m1");
    clock.advance(1001);
    await expect(loading).resolves.toMatchObject({ ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED" } });
  });
});

describe("Outbox with files", () => {
  const msg: PendingMessage = { messageId: "m1", sessionKey: "agent:main:a", text: "look", runId: "fastclaw-m1", createdAt: NOW, fileCount: 1 };
  const file = { bytes: PNG, mimeType: "image/png" };

  function setup(loads: Array<Awaited<ReturnType<AppFiles["load"]>>>) {
    const gateway = new FakeGateway();
    const convex = new RecordingConvex();
    const clock = new FakeClock(NOW);
    let calls = 0;
    const attachments = { load: async () => loads[Math.min(calls++, loads.length - 1)]! };
    const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 60_000, retryDelayMs: 10, clock, random: () => 0, attachments });
    return { gateway, convex, clock, outbox, loadCalls: () => calls };
  }

  test("the files ride in chat.send under the message's idempotency key", async () => {
    const { gateway, convex, outbox } = setup([{ ok: true, files: [file] }]);
    outbox.setReady(true);
    outbox.update([msg]);
    for (let i = 0; i < 20 && convex.calls("relay:markDelivered").length === 0; i++) await flush();
    expect(gateway.sends).toEqual([{ sessionKey: "agent:main:a", message: "look", idempotencyKey: "fastclaw-m1", attachments: [file] }]);
    outbox.stop();
  });

  test("a message without files is sent without asking for any", async () => {
    const { gateway, convex, outbox, loadCalls } = setup([{ ok: true, files: [file] }]);
    outbox.setReady(true);
    outbox.update([{ ...msg, fileCount: undefined }]);
    for (let i = 0; i < 20 && convex.calls("relay:markDelivered").length === 0; i++) await flush();
    expect(gateway.sends).toEqual([{ sessionKey: "agent:main:a", message: "look", idempotencyKey: "fastclaw-m1" }]);
    expect(loadCalls()).toBe(0);
    outbox.stop();
  });

  test("a refused file fails the message with its code and reason, and nothing is sent", async () => {
    const { gateway, convex, outbox } = setup([{ ok: false, failure: { kind: "rejected", code: "ATTACHMENT_GONE", reason: "file 1 of 1 is no longer stored" } }]);
    outbox.setReady(true);
    outbox.update([msg]);
    for (let i = 0; i < 20 && convex.calls("relay:markFailed").length === 0; i++) await flush();
    expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "m1", reason: "ATTACHMENT_GONE: file 1 of 1 is no longer stored" }]);
    expect(gateway.sends).toEqual([]);
    outbox.stop();
  });

  test("a transient failure is retried: the same files go out once, under the same key", async () => {
    const { gateway, convex, clock, outbox, loadCalls } = setup([
      { ok: false, failure: { kind: "transient", code: "ATTACHMENT_FETCH_FAILED", reason: "offline" } },
      { ok: true, files: [file] },
    ]);
    outbox.setReady(true);
    outbox.update([msg]);
    for (let i = 0; i < 200 && convex.calls("relay:markDelivered").length === 0; i++) {
      await flush();
      clock.advance(10);
    }
    expect(loadCalls()).toBe(2);
    expect(gateway.sends).toEqual([{ sessionKey: "agent:main:a", message: "look", idempotencyKey: "fastclaw-m1", attachments: [file] }]);
    expect(convex.calls("relay:markFailed")).toEqual([]);
    outbox.stop();
  });

  test("a file source that throws is a transient failure, not a message stuck in sending", async () => {
    const gateway = new FakeGateway();
    const convex = new RecordingConvex();
    const clock = new FakeClock(NOW);
    let calls = 0;
    const attachments = {
      load: async () => {
        calls += 1;
        if (calls === 1) throw new Error("bug");
        return { ok: true as const, files: [] };
      },
    };
    const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 60_000, retryDelayMs: 10, clock, random: () => 0, attachments });
    outbox.setReady(true);
    outbox.update([msg]);
    for (let i = 0; i < 200 && convex.calls("relay:markDelivered").length === 0; i++) {
      await flush();
      clock.advance(10);
    }
    expect(gateway.sends).toHaveLength(1);
    outbox.stop();
  });
});
