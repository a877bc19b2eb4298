/**
 * Attachments in the web app, in a real browser against local Convex and the relay: the page picks an image (chip,
 * remove, limits checked before upload), sends it sealed, and Convex's file opens to the same bytes; a reply the
 * relay attached an image to shows it inline (decrypted in the page into a blob: URL, allowed by the CSP).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import type { ElementHandle } from "puppeteer-core";
import { api } from "../../convex/_generated/api.js";
import { DEFAULT_IMAGE_MAX_BYTES } from "../../convex/lib/limits.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { uploadSealedFile } from "../../src/convex-sync/file-transfer.js";
import { importContentKey, sessionIdFor } from "../../src/e2e/content-key.js";
import { seal } from "../../src/e2e/envelope.js";
import { fileContext, fileNameContext, sealFile } from "../../src/e2e/file-envelope.js";
import { runRow, sessionContext } from "../../src/e2e/row-contexts.js";
import { eventually, usePipeline } from "../bridge/pipeline.js";
import { saveScreenshot, useBrowser } from "../support/browser.js";
import { testPng } from "../support/test-png.js";
import { clickButton, openChat, openPaired, waitForText } from "./web-page.js";

const TEST_MS = 300_000;
const pipeline = usePipeline();
const browser = useBrowser();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "web-attach-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pickFile(page: import("puppeteer-core").Page, file: string): Promise<void> {
  const input = (await page.waitForSelector("input[type=file]")) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(file);
}

test("the page sends an image: chip with remove, a too-large file refused before upload, the sealed file in Convex opens to the same bytes", async () => {
  const p = pipeline();
  const { page, problems } = await browser().phone();
  await openPaired(page, p);
  await clickButton(page, "New chat");
  await page.waitForSelector("#composer-input");

  // One byte over the image limit the relay published (the Gateway's; Convex's default until it has, which the
  // page would then apply): refused with the sizes, no chip.
  const policy = await eventually(async () => {
    const published = await p.app.filePolicy();
    if (published.maxImageBytes === DEFAULT_IMAGE_MAX_BYTES) throw new Error("the relay has not published the Gateway's limits yet");
    return published;
  }, 60_000);
  const big = path.join(dir, "huge.png");
  await writeFile(big, Buffer.alloc(policy.maxImageBytes + 1));
  await pickFile(page, big);
  await waitForText(page, `huge.png is ${(policy.maxImageBytes / 2 ** 20).toFixed(1).replace(/\.0$/, "")} MiB; at most `);
  expect(await page.$("[data-testid=attachment-chip]")).toBeNull();

  // Picked, then removed: nothing goes with the message.
  const image = testPng(64, 48, 11);
  const file = path.join(dir, "cat.png");
  await writeFile(file, image);
  await pickFile(page, file);
  await page.waitForSelector("[data-testid=attachment-chip]");
  await waitForText(page, "cat.png");
  await page.click("[aria-label='Remove cat.png']");
  await page.waitForFunction(`!document.querySelector("[data-testid=attachment-chip]")`);

  await pickFile(page, file);
  await page.waitForSelector("[data-testid=attachment-chip] img.chip-preview");
  await page.type("#composer-input", "what is in this picture?");
  await saveScreenshot(page, "web-e2e-attachment-chip-375x812");
  await clickButton(page, "Send");

  // The own message shows its image inline, decrypted in the page.
  await page.waitForFunction(`[...document.querySelectorAll(".message.own img.attachment-image")].some((i) => i.complete && i.naturalWidth === 64 && i.src.startsWith("blob:"))`, {
    timeout: 60_000,
  });
  await saveScreenshot(page, "web-e2e-attachment-sent-375x812");

  // What Convex holds: a sealed file on the row, which the pipeline's own device opens to the very bytes.
  const session = await eventually(async () => {
    const found = (await p.app.listSessions(50)).find((s) => s.sessionKey.startsWith("agent:main:web-"));
    if (!found) throw new Error("the page's chat is not listed yet");
    return found;
  }, 30_000);
  const rows = await p.app.allMessages(session.sessionKey);
  const own = rows.find((r) => r.source === "app" && r.text === "what is in this picture?");
  expect(own).toBeDefined();
  const [listed] = await p.app.messageFiles([own!.messageId]);
  expect(listed!.files).toHaveLength(1);
  const stored = listed!.files[0]!;
  expect(stored).toMatchObject({ type: "image/png", source: "app", size: image.length + 43 });
  const ciphertext = Buffer.from(await (await fetch(stored.url!)).arrayBuffer());
  expect(ciphertext.includes(image.subarray(8, 64))).toBe(false);
  const opened = await p.app.openAttachment(session.sessionKey, stored);
  expect(Buffer.from(opened.bytes).equals(image)).toBe(true);
  expect(opened.name).toBe("cat.png");
  expect(problems).toEqual([]);
}, TEST_MS);

test("a reply the relay attached an image to shows it inline; a PDF shows as a download link", async () => {
  const p = pipeline();
  const http = new ConvexHttpClient(p.convex.url);
  const key = await importContentKey(p.contentKey);
  const sessionKey = `agent:main:e2e-media-${randomBytes(3).toString("hex")}`;
  const sessionId = await sessionIdFor(key, sessionKey);
  await http.mutation(api.relay.upsertSessions, {
    relaySecret: p.secret,
    sessions: [
      {
        sessionKey: sessionId,
        sessionKeyEnc: await seal(key, sessionContext(sessionId, "sessionKey"), sessionKey),
        title: await seal(key, sessionContext(sessionId, "title"), "Media check"),
        updatedAt: Date.now(),
      },
    ],
  });
  const runId = "run-media";
  const { messageId } = await http.mutation(api.relay.upsertStream, {
    relaySecret: p.secret,
    sessionKey: sessionId,
    runId,
    text: await seal(key, { sessionId, field: "text", row: runRow(runId) }, "Here is your picture."),
    state: "final",
  });
  // As the relay does it: sealed for the row's session and attachment id, uploaded with its secret, attached.
  const image = testPng(80, 60, 5);
  const pdf = Buffer.from("%PDF-1.4\n% test\n");
  const files = [];
  for (const [attachmentId, type, name, bytes] of [
    ["agent-image-0123456789", "image/png", "drawing.png", image],
    ["agent-pdf-012345678901", "application/pdf", "notes.pdf", pdf],
  ] as const) {
    const storageId = await uploadSealedFile(
      { uploadUrl: () => http.mutation(api.files.relayUploadUrl, { relaySecret: p.secret }), fetch },
      await sealFile(key, fileContext(sessionId, attachmentId), bytes),
    );
    files.push({ attachmentId, storageId: storageId as Id<"_storage">, type, nameEnc: await seal(key, fileNameContext(sessionId, attachmentId), name) });
  }
  await http.mutation(api.files.attach, { relaySecret: p.secret, messageId, files });

  const { page, problems } = await browser().phone();
  await openPaired(page, p);
  await openChat(page, "Media check");
  await waitForText(page, "Here is your picture.");
  await page.waitForFunction(`[...document.querySelectorAll(".message.reply img.attachment-image")].some((i) => i.complete && i.naturalWidth === 80 && i.alt === "drawing.png")`, {
    timeout: 60_000,
  });
  const link = (await page.waitForSelector(".message.reply a.attachment")) as ElementHandle<HTMLAnchorElement>;
  expect(await link.evaluate((a) => ({ download: a.download, blob: a.href.startsWith("blob:") }))).toEqual({ download: "notes.pdf", blob: true });
  await saveScreenshot(page, "web-e2e-attachment-inline-375x812");
  expect(problems).toEqual([]);
}, TEST_MS);
