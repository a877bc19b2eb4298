/** Sealed files through the local Convex server with the project's functions and the unmodified clients: upload, attach, read, delete. */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ConvexHttpClient } from "convex/browser";
import { getFunctionName } from "convex/server";
import { api, internal } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, provideLocalRegistrationKey } from "../../dev/local-convex/registration-key.js";
import { convexErrorCode } from "../../src/convex-sync/convex-error.js";
import { downloadSealedFile, FileTransferError, uploadSealedFile, type FetchPort } from "../../src/convex-sync/file-transfer.js";
import { importContentKey } from "../../src/e2e/content-key.js";
import { fileContext, openFile, sealFile } from "../../src/e2e/file-envelope.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { sendArgs, sid, TEST_CONTENT_KEY } from "../convex/sealed.js";
import { Harness } from "../local-convex/helpers.js";

const projectConvexDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
const ADMIN_KEY = "file-transfer-test-admin-key";
const SESSION = "agent:main:main";
const h = new Harness();
beforeAll(() => provideLocalRegistrationKey());
afterEach(() => h.closeAll());

const credential = (): string => randomBytes(32).toString("base64url");

async function pairedInstance(client: ConvexHttpClient, name: string): Promise<{ relaySecret: string; deviceToken: string }> {
  const relaySecret = credential();
  await client.mutation(api.instances.register, { secret: relaySecret, name, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY });
  const pairingToken = credential();
  await client.mutation(api.pairing.create, { relaySecret, token: pairingToken });
  const deviceToken = credential();
  await client.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: `${name} phone`, platform: "ios" });
  return { relaySecret, deviceToken };
}

async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

test("a device uploads a sealed image and sends it; the relay downloads and opens it; another instance gets nothing; deleting the row deletes the bytes", async () => {
  const server = await h.server({ functionsDir: projectConvexDir, adminKey: ADMIN_KEY });
  const client = h.http(server);
  const home = await pairedInstance(client, "Home");
  const other = await pairedInstance(client, "Elsewhere");
  const key = await importContentKey(TEST_CONTENT_KEY);
  const attachmentId = "photo-0123456789abcdef";
  const image = new Uint8Array(randomBytes(300_000));

  const sealed = await sealFile(key, fileContext(sid(SESSION), attachmentId), image);
  const storageId = await uploadSealedFile({ uploadUrl: () => client.mutation(api.files.generateUploadUrl, { deviceToken: home.deviceToken }), fetch }, sealed);
  const { messageId } = await client.mutation(api.app.send, {
    deviceToken: home.deviceToken,
    ...(await sendArgs(SESSION, "c-photo", "what is in this picture?")),
    attachments: [{ attachmentId, storageId: storageId as Id<"_storage">, type: "image/jpeg" }],
  });

  const [file] = await client.query(api.files.forMessage, { relaySecret: home.relaySecret, messageId });
  expect(file).toMatchObject({ attachmentId, type: "image/jpeg", size: sealed.length, source: "app" });
  const downloaded = await downloadSealedFile(fetch, file!.url!, sealed.length);
  expect(await openFile(KeyRing.of(key), fileContext(sid(SESSION), attachmentId), downloaded)).toEqual({ ok: true, bytes: image });
  expect(await client.query(api.files.list, { deviceToken: home.deviceToken, messageIds: [messageId] })).toEqual([{ messageId, files: [file] }]);

  expect(await client.query(api.files.list, { deviceToken: other.deviceToken, messageIds: [messageId] })).toEqual([]);
  expect(convexErrorCode(await errorOf(client.query(api.files.forMessage, { relaySecret: other.relaySecret, messageId })))).toBe("NOT_FOUND");

  // Internal functions answer admin auth only (ConvexHttpClient's setAdminAuth is not public API): the wire call.
  const adminCall = async (ref: typeof internal.files.sweep | typeof internal.files.deleteMessage, args: Record<string, unknown>): Promise<unknown> => {
    const response = await fetch(`${server.url}/api/mutation`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Convex ${ADMIN_KEY}` },
      body: JSON.stringify({ path: getFunctionName(ref), format: "convex_encoded_json", args: [args] }),
    });
    return await response.json();
  };
  // The sweep reads `_storage` by creation time on this server too; a fresh upload, even unattached, stays.
  const orphan = await uploadSealedFile({ uploadUrl: () => client.mutation(api.files.generateUploadUrl, { deviceToken: home.deviceToken }), fetch }, sealed);
  expect(await adminCall(internal.files.sweep, {})).toMatchObject({ status: "success", value: { expired: 0, orphans: 0 } });
  expect(orphan).not.toBe(storageId);
  expect(await adminCall(internal.files.deleteMessage, { messageId })).toMatchObject({ status: "success", value: { deleted: true, files: 1 } });
  const gone = await errorOf(downloadSealedFile(fetch, file!.url!, sealed.length));
  expect(gone).toBeInstanceOf(FileTransferError);
  expect((gone as FileTransferError).code).toBe("FILE_GONE");
});

test("transfer failures are classified, and no message names the bearer URL", async () => {
  const server = await h.server({ functionsDir: projectConvexDir });
  const client = h.http(server);
  const home = await pairedInstance(client, "Home");
  const uploadUrl = await client.mutation(api.files.generateUploadUrl, { deviceToken: home.deviceToken });
  const once = { uploadUrl: async () => uploadUrl, fetch };
  const storageId = await uploadSealedFile(once, new Uint8Array(100));
  const codeOf = async (call: Promise<unknown>): Promise<string> => {
    const error = await errorOf(call);
    expect(error).toBeInstanceOf(FileTransferError);
    expect((error as Error).message).not.toContain(server.url);
    return (error as FileTransferError).code;
  };

  // A spent upload URL.
  expect(await codeOf(uploadSealedFile(once, new Uint8Array(100)))).toBe("UPLOAD_FAILED");
  // A deployment answering without a storage id.
  const odd: FetchPort = async () => new Response("<html>maintenance</html>", { status: 200 });
  expect(await codeOf(uploadSealedFile({ uploadUrl: async () => uploadUrl, fetch: odd }, new Uint8Array(1)))).toBe("UPLOAD_FAILED");

  const { messageId } = await client.mutation(api.app.send, {
    deviceToken: home.deviceToken,
    ...(await sendArgs(SESSION, "c-1", "file")),
    attachments: [{ attachmentId: "file-0123456789abcdef", storageId: storageId as Id<"_storage">, type: "application/pdf" }],
  });
  const [file] = await client.query(api.files.forMessage, { relaySecret: home.relaySecret, messageId });
  expect(await codeOf(downloadSealedFile(fetch, file!.url!, 99))).toBe("FILE_TOO_LARGE");
  // A storage that refuses (here: a request as another web page would make it).
  const foreignPage: FetchPort = (url, init) => fetch(url, { ...init, headers: { Origin: "https://elsewhere.example" } });
  expect(await codeOf(downloadSealedFile(foreignPage, file!.url!, 1000))).toBe("DOWNLOAD_FAILED");
  expect(await downloadSealedFile(fetch, file!.url!, 100)).toHaveLength(100);

  const fresh = await client.mutation(api.files.generateUploadUrl, { deviceToken: home.deviceToken });
  await server.goOffline();
  expect(await codeOf(uploadSealedFile({ uploadUrl: async () => fresh, fetch }, new Uint8Array(1)))).toBe("UPLOAD_FAILED");
  expect(await codeOf(downloadSealedFile(fetch, file!.url!, 1000))).toBe("DOWNLOAD_FAILED");
});
