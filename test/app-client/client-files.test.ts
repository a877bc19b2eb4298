/** The client side of attachments against the local Convex server: checked, sealed, uploaded, sent, listed and opened again. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { provideLocalRegistrationKey } from "../../dev/local-convex/registration-key.js";
import { AppClient } from "../../src/app-client/app-client.js";
import { AttachmentError, checkAttachment, extensionForType, fileTypeForName, type StoredFile } from "../../src/app-client/client-files.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import { generateContentKey } from "../../src/e2e/content-key.js";
import { TEST_CONTENT_KEY } from "../convex/sealed.js";
import { Harness, pairedDevice } from "../local-convex/helpers.js";
import { testPng } from "../support/test-png.js";

const projectConvexDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
const SESSION = "agent:main:main";
const POLICY = { maxBytes: 1000, maxImageBytes: 100, retentionMs: 3_600_000 };
const h = new Harness();
beforeAll(() => provideLocalRegistrationKey());
afterEach(() => h.closeAll());

describe("checkAttachment", () => {
  test("refuses an unknown type, an empty file, and one over its type's limit, naming the sizes", () => {
    const refusal = (file: { name: string; type: string; size: number }) => {
      try {
        checkAttachment(POLICY, file);
      } catch (error) {
        return error instanceof AttachmentError ? `${error.code}: ${error.message}` : `other: ${String(error)}`;
      }
      return "accepted";
    };
    expect(refusal({ name: "run.sh", type: "application/x-sh", size: 10 })).toBe("UNSUPPORTED_TYPE: run.sh: files of type application/x-sh cannot be sent");
    expect(refusal({ name: "blank", type: "", size: 10 })).toBe("UNSUPPORTED_TYPE: blank: files of type (unknown) cannot be sent");
    expect(refusal({ name: "a.txt", type: "text/plain", size: 0 })).toBe("EMPTY: a.txt is empty");
    expect(refusal({ name: "p.png", type: "image/png", size: 101 })).toBe("TOO_LARGE: p.png is 101 bytes; at most 100 bytes can be sent as an image");
    expect(refusal({ name: "d.pdf", type: "application/pdf", size: 1001 })).toBe("TOO_LARGE: d.pdf is 1001 bytes; at most 1000 bytes can be sent");
    expect(refusal({ name: "p.png", type: "image/png", size: 100 })).toBe("accepted");
    expect(refusal({ name: "d.pdf", type: "application/pdf", size: 1000 })).toBe("accepted");
  });

  test("types from names and extensions from types", () => {
    expect(fileTypeForName("Photo.JPG")).toBe("image/jpeg");
    expect(fileTypeForName("notes.md")).toBe("text/markdown");
    expect(fileTypeForName("archive.tar.gz")).toBeUndefined();
    expect(fileTypeForName("README")).toBeUndefined();
    expect(extensionForType("image/png")).toBe("png");
    expect(extensionForType("application/x-whatever")).toBe("bin");
  });
});

test("a device attaches an image to a message: Convex holds a sealed file that lists and opens to the same bytes and name", async () => {
  const server = await h.server({ functionsDir: projectConvexDir });
  const http = h.http(server);
  const { deviceToken } = await pairedDevice(http);
  const keys = await KeyRing.fromStored(TEST_CONTENT_KEY);
  const app = new AppClient(server.url, deviceToken, keys, h.client(server));
  const image = new Uint8Array(testPng(40, 30, 7));

  const attachment = await app.attachFile(SESSION, { name: "cat.png", type: "image/png", bytes: image });
  expect(attachment.attachmentId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  const { messageId } = await app.send(SESSION, "look", undefined, [attachment]);

  const listed = await app.messageFiles([messageId]);
  expect(listed).toHaveLength(1);
  const [file] = listed[0]!.files as [StoredFile];
  expect(file).toMatchObject({ attachmentId: attachment.attachmentId, type: "image/png", source: "app", size: image.length + 43 });
  // What Convex stores is not the image.
  const stored = new Uint8Array(await (await fetch(file.url!)).arrayBuffer());
  expect(Buffer.from(stored).includes(Buffer.from(image.subarray(0, 64)))).toBe(false);

  const opened = await app.openAttachment(SESSION, file);
  expect(opened).toEqual({ attachmentId: attachment.attachmentId, type: "image/png", name: "cat.png", bytes: image });

  // Opened in another session (a row moved elsewhere, or a copied file): refused, not shown.
  await expect(app.openAttachment("agent:main:other", file)).rejects.toThrow("the file cannot be decrypted: it does not belong to this message");
  // A device holding another key cannot read it.
  const stranger = new AppClient(server.url, deviceToken, await KeyRing.fromStored(generateContentKey()), h.client(server));
  await expect(stranger.openAttachment(SESSION, file)).rejects.toThrow("sealed with a key this device does not hold");
  await expect(app.openAttachment(SESSION, { ...file, url: null })).rejects.toThrow("no longer stored");
});

test("a file over the published image limit is refused before anything is uploaded", async () => {
  const server = await h.server({ functionsDir: projectConvexDir });
  const http = h.http(server);
  const { relaySecret, deviceToken } = await pairedDevice(http);
  await http.mutation(api.files.setPolicy, { relaySecret, maxBytes: 10_000, maxImageBytes: 1_000 });
  let uploads = 0;
  const countingFetch = (url: string, init?: RequestInit) => {
    uploads += 1;
    return fetch(url, init);
  };
  const app = new AppClient(server.url, deviceToken, await KeyRing.fromStored(TEST_CONTENT_KEY), h.client(server), countingFetch);
  await expect(app.attachFile(SESSION, { name: "big.png", type: "image/png", bytes: new Uint8Array(1_001) })).rejects.toMatchObject({
    code: "TOO_LARGE",
    message: "big.png is 1001 bytes; at most 1000 bytes can be sent as an image",
  });
  expect(uploads).toBe(0);
  // A text file of the same size is within the general limit.
  const ok = await app.attachFile(SESSION, { name: "a.txt", type: "text/plain", bytes: new Uint8Array(1_001).fill(65) });
  expect(uploads).toBe(1);
  await app.send(SESSION, "", undefined, [ok]);
  const unused: Id<"messages">[] = [];
  expect(await app.messageFiles(unused)).toEqual([]);
});
