/** Files: sealed uploads attached to app sends and to Gateway rows, limits, who may read them, retention and deletion. */
import { jest } from "@jest/globals";
import { api, internal } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import crons from "../../convex/crons.js";
import * as L from "../../convex/lib/limits.js";
import { ENV } from "../../convex/lib/settings.js";
import { importContentKey } from "../../src/e2e/content-key.js";
import { fileContext, openFile, sealFile } from "../../src/e2e/file-envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { expectError, pairDevice, registerInstance, setDeploymentEnv, type Backend, usePairedBackend } from "./fixtures.js";
import { sendArgs, sid, TEST_CONTENT_KEY } from "./sealed.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

const MIB = 1024 * 1024;
const SESSION = "agent:main:main";
let attachmentCounter = 0;
const newAttachmentId = (): string => `attachment-${String(++attachmentCounter).padStart(8, "0")}`;

/** Stores bytes as an upload would (what lands in storage after a POST to an upload URL). */
const store = (bytes: Uint8Array): Promise<Id<"_storage">> => t.run(async (ctx) => await ctx.storage.store(new Blob([new Uint8Array(bytes)])));
const storageExists = (id: Id<"_storage">): Promise<boolean> => t.run(async (ctx) => (await ctx.db.system.get(id)) !== null);
const fileRows = () => t.run(async (ctx) => await ctx.db.query("files").collect());
const usage = () => t.run(async (ctx) => await ctx.db.query("usage").first());

/** A file sealed by the app for `attachmentId`, uploaded: `plainBytes` of plaintext. */
async function sealedUpload(plainBytes: number, attachmentId: string, sessionKey = SESSION): Promise<{ storageId: Id<"_storage">; plain: Uint8Array }> {
  const key = await importContentKey(TEST_CONTENT_KEY);
  const plain = Uint8Array.from({ length: plainBytes }, (_, i) => i % 251);
  const sealed = await sealFile(key, fileContext(sid(sessionKey), attachmentId), plain);
  return { storageId: await store(sealed), plain };
}

async function sendWith(clientMessageId: string, attachments: { attachmentId: string; storageId: Id<"_storage">; type: string; nameEnc?: string }[], token = deviceToken) {
  return await t.mutation(api.app.send, { deviceToken: token, ...(await sendArgs(SESSION, clientMessageId, "look at this")), attachments });
}

test("a device uploads a sealed image and sends it: the relay reads the file of that message, the device lists it, and the bytes open", async () => {
  const uploadUrl = await t.mutation(api.files.generateUploadUrl, { deviceToken });
  expect(typeof uploadUrl).toBe("string");
  const attachmentId = newAttachmentId();
  const { storageId, plain } = await sealedUpload(2000, attachmentId);
  const { messageId } = await sendWith("c-1", [{ attachmentId, storageId, type: "image/png" }]);

  const forRelay = await t.query(api.files.forMessage, { relaySecret, messageId });
  expect(await t.query(api.files.attachmentIds, { relaySecret, messageId })).toEqual([attachmentId]);
  expect(forRelay).toEqual([
    {
      attachmentId,
      type: "image/png",
      size: 2000 + L.FILE_ENVELOPE_OVERHEAD,
      source: "app",
      createdAt: expect.any(Number),
      expiresAt: expect.any(Number),
      url: expect.any(String),
    },
  ]);
  expect(forRelay[0]!.expiresAt - forRelay[0]!.createdAt).toBe(L.DEFAULT_FILE_RETENTION_MS);
  expect(await t.query(api.files.list, { deviceToken, messageIds: [messageId] })).toEqual([{ messageId, files: forRelay }]);

  const stored = new Uint8Array(await t.run(async (ctx) => await (await ctx.storage.get(storageId))!.arrayBuffer()));
  const opened = await openFile(KeyRing.of(await importContentKey(TEST_CONTENT_KEY)), fileContext(sid(SESSION), attachmentId), stored);
  expect(opened).toEqual({ ok: true, bytes: plain });
  expect((await usage())?.fileBytes).toBe(2000 + L.FILE_ENVELOPE_OVERHEAD);
  // The queue says which messages have files, so the relay asks only for those.
  const plainSend = await t.mutation(api.app.send, { deviceToken, ...(await sendArgs(SESSION, "c-2", "no files")) });
  const pending = await t.query(api.relay.pendingMessages, { relaySecret });
  expect(pending.map((row) => [row.messageId, row.fileCount])).toEqual([
    [messageId, 1],
    [plainSend.messageId, undefined],
  ]);
});

test("limits: images up to maxImageBytes, other files up to maxBytes (plaintext), as the relay publishes them; a refused send stores no message", async () => {
  expect(await t.query(api.files.policy, { deviceToken })).toEqual({
    maxBytes: L.DEFAULT_FILE_MAX_BYTES,
    maxImageBytes: L.DEFAULT_IMAGE_MAX_BYTES,
    retentionMs: L.DEFAULT_FILE_RETENTION_MS,
  });
  const atLimit = newAttachmentId();
  const okImage = await sealedUpload(L.DEFAULT_IMAGE_MAX_BYTES, atLimit);
  await sendWith("c-ok", [{ attachmentId: atLimit, storageId: okImage.storageId, type: "image/jpeg" }]);

  const over = newAttachmentId();
  const bigImage = await sealedUpload(L.DEFAULT_IMAGE_MAX_BYTES + 1, over);
  const tooLarge = await expectError(sendWith("c-big", [{ attachmentId: over, storageId: bigImage.storageId, type: "image/jpeg" }]), "TOO_LARGE");
  expect(tooLarge.message).toMatch(/at most 5 MiB/);
  // The same bytes declared as a PDF fall under maxBytes.
  await sendWith("c-pdf", [{ attachmentId: over, storageId: bigImage.storageId, type: "application/pdf" }]);

  expect(await t.mutation(api.files.setPolicy, { relaySecret, maxBytes: 1 * MIB, maxImageBytes: 4 * MIB })).toEqual({
    maxBytes: MIB,
    maxImageBytes: MIB, // never above maxBytes
    retentionMs: L.DEFAULT_FILE_RETENTION_MS,
  });
  const small = newAttachmentId();
  const overPolicy = await sealedUpload(MIB + 1, small);
  await expectError(sendWith("c-policy", [{ attachmentId: small, storageId: overPolicy.storageId, type: "text/plain" }]), "TOO_LARGE");
  expect(await t.mutation(api.files.setPolicy, { relaySecret, maxBytes: 10 * L.MAX_FILE_BYTES, maxImageBytes: 10 * L.MAX_FILE_BYTES })).toEqual(
    expect.objectContaining({ maxBytes: L.MAX_FILE_BYTES, maxImageBytes: L.MAX_FILE_BYTES }),
  );
  await expectError(t.mutation(api.files.setPolicy, { relaySecret, maxBytes: 0, maxImageBytes: 1 }), "BAD_REQUEST");

  const messages = await t.run(async (ctx) => (await ctx.db.query("messages").collect()).map((m) => m.clientMessageId));
  expect(messages.sort()).toEqual(["c-ok", "c-pdf"]);
});

test("refusals: unsupported type, missing, stale, reused or unsealed upload, bad ids, too many files", async () => {
  const id = newAttachmentId();
  const { storageId } = await sealedUpload(100, id);
  const typeError = await expectError(sendWith("c-1", [{ attachmentId: id, storageId, type: "application/x-msdownload" }]), "UNSUPPORTED_TYPE");
  expect(typeError.message).toContain("application/x-msdownload");
  await expectError(sendWith("c-1", [{ attachmentId: "short", storageId, type: "image/png" }]), "BAD_REQUEST");
  await expectError(sendWith("c-1", [{ attachmentId: id, storageId, type: "image/png", nameEnc: "holiday.png" }]), "BAD_REQUEST");
  await expectError(
    sendWith("c-1", [
      { attachmentId: id, storageId, type: "image/png" },
      { attachmentId: id, storageId, type: "image/png" },
    ]),
    "BAD_REQUEST",
  );

  const unsealed = await store(new Uint8Array(L.FILE_ENVELOPE_OVERHEAD - 1));
  await expectError(sendWith("c-1", [{ attachmentId: id, storageId: unsealed, type: "image/png" }]), "BAD_REQUEST");

  const gone = await store(new Uint8Array(100));
  await t.run(async (ctx) => await ctx.storage.delete(gone));
  await expectError(sendWith("c-1", [{ attachmentId: id, storageId: gone, type: "image/png" }]), "NOT_FOUND");

  const many = await Promise.all(
    Array.from({ length: L.MAX_FILES_PER_MESSAGE + 1 }, async () => {
      const attachmentId = newAttachmentId();
      return { attachmentId, storageId: (await sealedUpload(10, attachmentId)).storageId, type: "image/png" };
    }),
  );
  await expectError(sendWith("c-1", many), "BAD_REQUEST");

  await sendWith("c-1", [{ attachmentId: id, storageId, type: "image/png" }]);
  const reuse = newAttachmentId();
  await expectError(sendWith("c-2", [{ attachmentId: reuse, storageId, type: "image/png" }]), "BAD_REQUEST");

  const stale = newAttachmentId();
  const old = await sealedUpload(100, stale);
  jest.advanceTimersByTime(L.UPLOAD_ATTACH_WINDOW_MS + 1);
  await expectError(sendWith("c-3", [{ attachmentId: stale, storageId: old.storageId, type: "image/png" }]), "BAD_REQUEST");
  expect(await fileRows()).toHaveLength(1);
});

test("agent media: the relay uploads and attaches files to a Gateway row once, never to an app row; devices read them", async () => {
  expect(typeof (await t.mutation(api.files.relayUploadUrl, { relaySecret }))).toBe("string");
  const sessionKey = sid(SESSION);
  const { messageId: replyId } = await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey, runId: "run-1", text: "fc1.AAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", state: "final" });
  const attachmentId = newAttachmentId();
  // Agent media may be larger than what the Gateway accepts from the app.
  const { storageId } = await sealedUpload(L.DEFAULT_FILE_MAX_BYTES + 1, attachmentId);
  const files = [{ attachmentId, storageId, type: "image/webp" }];
  await t.mutation(api.files.attach, { relaySecret, messageId: replyId, files });
  await t.mutation(api.files.attach, { relaySecret, messageId: replyId, files });
  const listed = await t.query(api.files.list, { deviceToken, messageIds: [replyId] });
  expect(listed).toEqual([{ messageId: replyId, files: [expect.objectContaining({ attachmentId, type: "image/webp", source: "gateway" })] }]);
  expect(await fileRows()).toHaveLength(1);
  // What the relay checks before storing a row's media again: the ids alone.
  expect(await t.query(api.files.attachmentIds, { relaySecret, messageId: replyId })).toEqual([attachmentId]);

  const { messageId: appId } = await t.mutation(api.app.send, { deviceToken, ...(await sendArgs(SESSION, "c-1", "hi")) });
  const other = newAttachmentId();
  const upload = await sealedUpload(10, other);
  await expectError(t.mutation(api.files.attach, { relaySecret, messageId: appId, files: [{ attachmentId: other, storageId: upload.storageId, type: "image/png" }] }), "BAD_REQUEST");
  const huge = newAttachmentId();
  const tooBig = await sealedUpload(L.MAX_FILE_BYTES + 1, huge);
  await expectError(t.mutation(api.files.attach, { relaySecret, messageId: replyId, files: [{ attachmentId: huge, storageId: tooBig.storageId, type: "video/mp4" }] }), "TOO_LARGE");
});

test("another instance gets nothing: its device lists no files, its relay cannot read or attach", async () => {
  const attachmentId = newAttachmentId();
  const { storageId } = await sealedUpload(100, attachmentId);
  const { messageId } = await sendWith("c-1", [{ attachmentId, storageId, type: "image/png" }]);
  const other = await registerInstance(t, "Elsewhere");
  const otherDevice = await pairDevice(t, other.secret, "Intruder");

  expect(await t.query(api.files.list, { deviceToken: otherDevice.deviceToken, messageIds: [messageId] })).toEqual([]);
  await expectError(t.query(api.files.forMessage, { relaySecret: other.secret, messageId }), "NOT_FOUND");
  await expectError(t.query(api.files.attachmentIds, { relaySecret: other.secret, messageId }), "NOT_FOUND");
  const theirs = newAttachmentId();
  const upload = await sealedUpload(10, theirs);
  await expectError(t.mutation(api.files.attach, { relaySecret: other.secret, messageId, files: [{ attachmentId: theirs, storageId: upload.storageId, type: "image/png" }] }), "NOT_FOUND");
  // The upload an instance holds cannot be claimed again by another instance's send either.
  await expectError(sendWith("c-2", [{ attachmentId: newAttachmentId(), storageId, type: "image/png" }], otherDevice.deviceToken), "BAD_REQUEST");
  await expectError(t.query(api.files.list, { deviceToken: "x".repeat(43), messageIds: [messageId] }), "UNAUTHORIZED");
  await expectError(t.mutation(api.files.generateUploadUrl, { deviceToken: "x".repeat(43) }), "UNAUTHORIZED");
});

test("retention: the sweep deletes files whose period is over (the message stays) and uploads never attached", async () => {
  expect(await t.mutation(api.files.setPolicy, { relaySecret, maxBytes: MIB, maxImageBytes: MIB, retentionMs: 1 })).toEqual(
    expect.objectContaining({ retentionMs: L.MIN_FILE_RETENTION_MS }),
  );
  await t.mutation(api.files.setPolicy, { relaySecret, maxBytes: MIB, maxImageBytes: MIB, retentionMs: 2 * L.MIN_FILE_RETENTION_MS });
  const attachmentId = newAttachmentId();
  const { storageId } = await sealedUpload(100, attachmentId);
  const { messageId } = await sendWith("c-1", [{ attachmentId, storageId, type: "image/png" }]);
  const orphan = await store(new Uint8Array(500));

  jest.advanceTimersByTime(L.UPLOAD_ATTACH_WINDOW_MS + 1);
  expect(await t.mutation(internal.files.sweep, {})).toEqual({ expired: 0, orphans: 1 });
  expect(await storageExists(orphan)).toBe(false);
  expect(await storageExists(storageId)).toBe(true);
  // Each upload is looked at once.
  expect(await t.mutation(internal.files.sweep, {})).toEqual({ expired: 0, orphans: 0 });

  jest.advanceTimersByTime(2 * L.MIN_FILE_RETENTION_MS);
  expect(await t.mutation(internal.files.sweep, {})).toEqual({ expired: 1, orphans: 0 });
  expect(await storageExists(storageId)).toBe(false);
  expect(await t.query(api.files.list, { deviceToken, messageIds: [messageId] })).toEqual([]);
  expect(await t.run(async (ctx) => await ctx.db.get(messageId))).not.toBeNull();
  expect((await usage())?.fileBytes).toBe(0);

  const job = Object.values(crons.crons).find((entry) => entry.name === "files:sweep");
  expect(job?.schedule).toEqual({ type: "interval", minutes: L.FILE_SWEEP_INTERVAL_MS / 60_000 });
});

test("deleting a message row deletes its files and their bytes, and gives both back to the quotas", async () => {
  const attachmentId = newAttachmentId();
  const { storageId } = await sealedUpload(100, attachmentId);
  const { messageId } = await sendWith("c-1", [{ attachmentId, storageId, type: "image/png" }]);
  const before = await usage();
  expect(before?.fileBytes).toBe(100 + L.FILE_ENVELOPE_OVERHEAD);
  expect(await t.mutation(internal.files.deleteMessage, { messageId })).toEqual({ deleted: true, files: 1 });
  expect(await fileRows()).toEqual([]);
  expect(await storageExists(storageId)).toBe(false);
  const after = await usage();
  expect(after?.fileBytes).toBe(0);
  expect(after?.rows).toBe(before!.rows - 1);
  expect(await t.mutation(internal.files.deleteMessage, { messageId })).toEqual({ deleted: false, files: 0 });
});

test("quota of stored file bytes per instance, and a rate on upload URLs", async () => {
  setDeploymentEnv({ [ENV.maxFileBytesPerInstance]: String(300) });
  const first = newAttachmentId();
  await sendWith("c-1", [{ attachmentId: first, storageId: (await sealedUpload(200, first)).storageId, type: "image/png" }]);
  const second = newAttachmentId();
  await expectError(sendWith("c-2", [{ attachmentId: second, storageId: (await sealedUpload(200, second)).storageId, type: "image/png" }]), "QUOTA_EXCEEDED");

  for (let i = 0; i < L.UPLOAD_URL_RATE.burst; i++) await t.mutation(api.files.generateUploadUrl, { deviceToken });
  const limited = await expectError(t.mutation(api.files.generateUploadUrl, { deviceToken }), "RATE_LIMITED");
  expect(limited.retryAfterMs).toBeGreaterThan(0);
  // The relay has its own bucket.
  await t.mutation(api.files.relayUploadUrl, { relaySecret });
});
