/** Real Gateway: an image sent with chat.send reaches the model as an image part, byte for byte; an oversized one is refused before sending; a reply's file is downloaded. */
import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { stubReplyFor } from "../../dev/devkit/stub-model-server.js";
import { AttachmentRefusedError, gatewayFailureOf, transcriptMedia, transcriptText, type TranscriptEntry } from "../../src/gateway/index.js";
import { e2eInfo, stubModelRequests } from "../support/gateway-fixture.js";
import { useConnectedRelay } from "../support/relay-connection.js";
import { testPng } from "../support/test-png.js";

const connected = useConnectedRelay();

const tag = () => randomUUID().slice(0, 8);

/** Polls until `check` returns a value (conditions, not sleeps: the machine may be loaded). */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("the Gateway advertises attachment limits, and the connection reads them from hello-ok", () => {
  const policy = connected().connection.hello?.attachmentPolicy;
  expect(policy?.maxImageBytes).toBeGreaterThan(0);
  expect(policy?.maxBytes).toBeGreaterThanOrEqual(policy?.maxImageBytes ?? 0);
  expect(policy?.maxPayload).toBeGreaterThan(policy?.maxImageBytes ?? 0);
});

test("an image sent with chat.send reaches the stub model as an image part, byte-identical, and the user row records the upload", async () => {
  const sessionKey = `e2e-image-${tag()}`;
  const text = `what is in this picture ${tag()}`;
  const image = testPng(16, 16, 11);
  const key = randomUUID();
  const from = connected().events.length;
  const ack = await connected().connection.chatSend({ sessionKey, message: text, idempotencyKey: key, files: [{ bytes: image, mimeType: "image/png", fileName: "dots.png" }] });
  expect(ack).toMatchObject({ runId: key, status: "started" });

  const reply = await connected().waitFor("session.message", (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "assistant", 90_000, from);
  expect(transcriptText(reply.message)).toBe(stubReplyFor(text));
  const asked = (await stubModelRequests()).filter((r) => r.userText === text);
  expect(asked).toHaveLength(1);
  expect(asked[0]!.images).toHaveLength(1);
  expect(asked[0]!.images[0]!.mimeType).toBe("image/png");
  expect(Buffer.from(asked[0]!.images[0]!.base64, "base64").equals(image)).toBe(true);

  const userRow = connected().all("session.message").find((m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "user");
  expect(userRow && transcriptText(userRow.message)).toBe(text);
  expect(userRow && transcriptMedia(userRow.message)).toEqual([
    expect.objectContaining({ source: "upload", kind: "image", mimeType: "image/png", sizeBytes: image.length }),
  ]);
}, 120_000);

test("an image over the advertised maxImageBytes is refused before sending: a clear error, and nothing reaches the Gateway", async () => {
  const limit = connected().connection.hello!.attachmentPolicy.maxImageBytes!;
  const sessionKey = `e2e-oversized-${tag()}`;
  const text = `too big ${tag()}`;
  const oversized = Buffer.concat([testPng(4, 4, 5), Buffer.alloc(limit)]);
  const from = connected().events.length;
  const error = await connected().connection
    .chatSend({ sessionKey, message: text, idempotencyKey: randomUUID(), files: [{ bytes: oversized, mimeType: "image/png", fileName: "huge.png" }] })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AttachmentRefusedError);
  expect(gatewayFailureOf(error)).toMatchObject({ kind: "rejected", code: "ATTACHMENT_TOO_LARGE" });
  expect((error as Error).message).toMatch(/^"huge\.png" is 6\.0 MiB; the Gateway takes images up to 6\.0 MiB$/);

  // A message sent afterwards into the same session is the first and only thing the Gateway got there.
  const after = `after the refusal ${tag()}`;
  await connected().connection.chatSend({ sessionKey, message: after, idempotencyKey: randomUUID() });
  await connected().waitFor("session.message", (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "assistant", 90_000, from);
  const history = await connected().connection.chatHistory({ sessionKey, limit: 50 });
  expect(history.kind).toBe("page");
  const users = (history.kind === "page" ? history.entries : []).filter((e: TranscriptEntry) => e.message.role === "user");
  expect(users.map((e) => transcriptText(e.message))).toEqual([after]);
  expect((await stubModelRequests()).some((r) => r.userText.includes(text))).toBe(false);
}, 120_000);

test("a reply carrying media: pending in session.message, an artifact once the Gateway stored it, downloaded byte-identical", async () => {
  const info = e2eInfo();
  const picture = testPng(8, 8, 21);
  const file = path.join(info.gatewayStateDir, "workspace", `e2e-reply-${tag()}.png`);
  await writeFile(file, picture);
  try {
    const sessionKey = `e2e-reply-media-${tag()}`;
    const from = connected().events.length;
    await connected().connection.chatSend({ sessionKey, message: `draw it [[media:${file}]]`, idempotencyKey: randomUUID() });
    const appended = await connected().waitFor("session.message", (m) => m.sessionKey.endsWith(sessionKey) && m.message.role === "assistant", 90_000, from);
    expect(transcriptMedia(appended.message)).toEqual([{ source: "pending", reference: file }]);

    // The Gateway stores the file after the append and rewrites the row: read it again until it shows.
    const stored = await eventually(
      async () => {
        const page = await connected().connection.chatHistory({ sessionKey, limit: 10 });
        const row = page.kind === "page" ? page.entries.find((e) => e.messageId === appended.messageId) : undefined;
        const media = row ? transcriptMedia(row.message) : [];
        return media.some((m) => m.source === "pending") || media.length === 0 ? undefined : media;
      },
      60_000,
      "the reply's file in chat.history",
    );
    const failed = stored.find((m) => m.source === "failed");
    if (failed) {
      // The Gateway stores reply files through @openclaw/fs-safe's native helper, an optional dependency.
      throw new Error(`the Gateway could not store the reply's file (${JSON.stringify(failed)}); is @openclaw/fs-safe's native helper in node_modules? (npm ci installs it)`);
    }
    expect(stored).toEqual([expect.objectContaining({ source: "artifact", kind: "image", mimeType: "image/png", sizeBytes: picture.length })]);
    const artifact = stored[0]!;
    if (artifact.source !== "artifact") throw new Error(`expected an artifact, got ${JSON.stringify(artifact)}`);

    // chat.message.get reads the same row, rewritten, by id (what a relay re-reads one row with).
    const one = await connected().connection.chatMessageGet({ sessionKey: appended.sessionKey, messageId: appended.messageId! });
    expect(one.ok && transcriptMedia(one.message)).toEqual(stored);

    const downloaded = await connected().connection.downloadMedia({ sessionKey: appended.sessionKey, artifactId: artifact.artifactId });
    expect(Buffer.from(downloaded.bytes).equals(picture)).toBe(true);
    expect(downloaded).toMatchObject({ kind: "image", mimeType: "image/png", fileName: path.basename(file) });
  } finally {
    await rm(file, { force: true });
  }
}, 150_000);
