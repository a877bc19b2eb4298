/** Bridge e2e, attachments: files from the app reach the real Gateway's model through the relay, or fail the message clearly. */
import { randomBytes, randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";
import { AppClient } from "../../src/app-client/app-client.js";
import { generateContentKey } from "../../src/e2e/content-key.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { downloadSealedFile } from "../../src/convex-sync/file-transfer.js";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { uploadSealedFile } from "../../src/convex-sync/file-transfer.js";
import { sealSend } from "../../src/e2e/client-rows.js";
import { sessionIdFor } from "../../src/e2e/content-key.js";
import { open, seal } from "../../src/e2e/envelope.js";
import { fileContext, fileNameContext, openFile, sealFile } from "../../src/e2e/file-envelope.js";
import { e2eInfo, stubModelRequests } from "../support/gateway-fixture.js";
import { testPng } from "../support/test-png.js";
import { eventually, sessionKey, usePipeline, type Pipeline } from "./pipeline.js";

const current = usePipeline();

interface AppFile {
  bytes: Uint8Array;
  type: string;
  name?: string;
}

/** What the app does: seal each file for the session and a fresh attachment id, upload it, then send the message naming the uploads. */
async function sendWithFiles(pipeline: Pipeline, key: string, text: string, files: readonly AppFile[]): Promise<{ messageId: string }> {
  const { app, deviceToken } = pipeline;
  const sessionId = await sessionIdFor(app.keys.current, key);
  const attachments = [];
  for (const file of files) {
    const attachmentId = randomBytes(16).toString("base64url");
    const sealed = await sealFile(app.keys.current, fileContext(sessionId, attachmentId), file.bytes);
    const storageId = await uploadSealedFile({ uploadUrl: () => app.client.mutation(api.files.generateUploadUrl, { deviceToken }), fetch: (url, init) => fetch(url, init) }, sealed);
    const nameEnc = file.name === undefined ? undefined : await seal(app.keys.current, fileNameContext(sessionId, attachmentId), file.name);
    attachments.push({ attachmentId, storageId: storageId as Id<"_storage">, type: file.type, ...(nameEnc ? { nameEnc } : {}) });
  }
  return await app.client.mutation(api.app.send, { deviceToken, ...(await sealSend(app.keys, key, randomUUID(), text)), attachments });
}

async function settledRow(pipeline: Pipeline, key: string, messageId: string) {
  return await eventually(async () => {
    const row = (await pipeline.app.allMessages(key)).find((r) => r.messageId === messageId);
    if (!row || row.status === "queued") throw new Error(`message is ${row?.status ?? "missing"}`);
    return row;
  }, 90_000);
}

test("the relay publishes the Gateway's limits: the app's file policy is the Gateway's 6 MiB image limit, not Convex's 5 MiB default", async () => {
  const { app, deviceToken } = current();
  const policy = await eventually(async () => {
    const p = await app.client.query(api.files.policy, { deviceToken });
    if (p.maxImageBytes !== 6 * 1024 * 1024) throw new Error(`policy is ${JSON.stringify(p)}`);
    return p;
  }, 30_000);
  expect(policy.maxBytes).toBeGreaterThanOrEqual(policy.maxImageBytes);
}, 60_000);

test("an image sent from the app (sealed, uploaded, attached) reaches the stub model as an image part, byte-identical", async () => {
  const key = sessionKey("attach");
  const text = `what is in this picture ${randomUUID().slice(0, 8)}`;
  const image = testPng(16, 16, 7);
  const { messageId } = await sendWithFiles(current(), key, text, [{ bytes: image, type: "image/png", name: "dots.png" }]);
  const row = await settledRow(current(), key, messageId);
  expect(row.status).toBe("delivered");
  const asked = await eventually(async () => {
    const found = (await stubModelRequests()).filter((r) => r.userText === text);
    if (found.length === 0) throw new Error("the model was not asked yet");
    return found;
  }, 90_000);
  expect(asked).toHaveLength(1);
  expect(asked[0]!.images).toHaveLength(1);
  expect(asked[0]!.images[0]!.mimeType).toBe("image/png");
  expect(Buffer.from(asked[0]!.images[0]!.base64, "base64").equals(image)).toBe(true);
}, 120_000);

test("images each within the limit but too large together for the Gateway's frame: the message fails with a clear reason, nothing is sent", async () => {
  const key = sessionKey("attach-big");
  const text = `four big photos ${randomUUID().slice(0, 8)}`;
  // Each 5.5 MiB: above Convex's own default, under the 6 MiB the relay published; 4 of them base64 to ~29 MiB > 25 MiB.
  const photo = (seed: number) => Buffer.concat([testPng(4, 4, seed), randomBytes(5.5 * 1024 * 1024)]);
  const files = [1, 2, 3, 4].map((seed) => ({ bytes: photo(seed), type: "image/png" }));
  const { messageId } = await sendWithFiles(current(), key, text, files);
  const row = await settledRow(current(), key, messageId);
  expect(row.status).toBe("failed");
  expect(row.error).toMatch(/^ATTACHMENT_PAYLOAD_TOO_LARGE: these files make a .* MiB message once encoded; the Gateway reads at most 25\.0 MiB/);
  expect((await stubModelRequests()).some((r) => r.userText.includes(text))).toBe(false);
  const history = await current().operator.connection.chatHistory({ sessionKey: key, limit: 10 });
  expect(history.kind === "page" ? history.entries : []).toEqual([]);
}, 180_000);

/** A second relay instance on the same deployment with its own paired device and content key. */
async function otherInstanceDevice(pipeline: Pipeline): Promise<{ app: AppClient; deviceToken: string }> {
  const http = new ConvexHttpClient(pipeline.convex.url);
  const secret = randomBytes(32).toString("base64url");
  await http.mutation(api.instances.register, { secret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name: "another relay" });
  const pairingToken = randomBytes(32).toString("base64url");
  await http.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  const { app, deviceToken } = await AppClient.claim(pipeline.convex.url, {
    pairingToken,
    keys: await KeyRing.fromStored(generateContentKey()),
    deviceName: "someone else's phone",
    platform: "test",
  });
  return { app, deviceToken };
}

test("a reply carrying media arrives on its message row with a file the device opens byte-identical, and another instance's device can't read", async () => {
  const pipeline = current();
  const picture = testPng(8, 8, 33);
  const file = path.join(e2eInfo().gatewayStateDir, "workspace", `e2e-relay-media-${randomUUID().slice(0, 8)}.png`);
  await writeFile(file, picture);
  const other = await otherInstanceDevice(pipeline);
  try {
    const key = sessionKey("reply-media");
    await pipeline.app.send(key, `draw it [[media:${file}]]`);
    const { app, deviceToken } = pipeline;
    const found = await eventually(async () => {
      const reply = (await app.allMessages(key)).find((r) => r.role === "assistant" && r.status !== "streaming");
      if (!reply) throw new Error("no reply yet");
      const listed = await app.client.query(api.files.list, { deviceToken, messageIds: [reply.messageId as Id<"messages">] });
      const files = listed[0]?.files ?? [];
      if (files.length === 0) throw new Error("the reply has no file yet");
      return { reply, files };
    }, 120_000, 500);
    expect(found.files).toHaveLength(1);
    const stored = found.files[0]!;
    expect(stored).toMatchObject({ type: "image/png", source: "gateway" });
    expect(stored.url).not.toBeNull();
    const sessionId = await sessionIdFor(app.keys.current, key);
    const sealed = await downloadSealedFile((url, init) => fetch(url, init), stored.url!, 1024 * 1024);
    const opened = await openFile(app.keys, fileContext(sessionId, stored.attachmentId), sealed);
    expect(opened.ok && Buffer.from(opened.bytes).equals(picture)).toBe(true);
    if (stored.nameEnc !== undefined) {
      await expect(open(app.keys, [fileNameContext(sessionId, stored.attachmentId)], stored.nameEnc)).resolves.toMatchObject({ ok: true });
    }

    // Another instance's device: the row's files are not listed to it, and the bytes (a leaked URL) don't open with its key.
    const theirs = await other.app.client.query(api.files.list, { deviceToken: other.deviceToken, messageIds: [found.reply.messageId as Id<"messages">] });
    expect(theirs).toEqual([]);
    const leaked = await openFile(other.app.keys, fileContext(sessionId, stored.attachmentId), sealed);
    expect(leaked).toEqual({ ok: false, reason: "unknown-key" });

    // Exactly one file however often the row is read again (catch-up, restarts): the attachment id is the row's and the artifact's.
    const again = await app.client.query(api.files.list, { deviceToken, messageIds: [found.reply.messageId as Id<"messages">] });
    expect(again[0]?.files).toHaveLength(1);
  } finally {
    await other.app.close();
    await rm(file, { force: true });
  }
}, 180_000);
