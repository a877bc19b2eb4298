/** Unit: files in transcript rows, read from payloads captured from the real Gateway (test/fixtures/gateway-media-payloads.json). */
import { readFileSync } from "node:fs";
import { hasPendingMedia, mediaLineReferences, transcriptMedia } from "../../src/gateway/transcript-media.js";
import type { TranscriptMessage } from "../../src/gateway/gateway-events.js";

const captured = JSON.parse(readFileSync(new URL("../fixtures/gateway-media-payloads.json", import.meta.url), "utf8")) as Record<string, unknown>;
const row = (name: string) => captured[name] as TranscriptMessage;

test("a user row sent with a PNG: the upload the Gateway recorded (no download: the sender has the bytes)", () => {
  expect(transcriptMedia(row("userRowWithUpload"))).toEqual([
    {
      source: "upload",
      mediaUrl: "media://inbound/7c6f05dd-7b1a-462c-b89f-b1f78e5d5d91.png",
      kind: "image",
      mimeType: "image/png",
      fileName: undefined,
      sizeBytes: 852,
    },
  ]);
});

test("a reply as first appended (session.message) has its MEDIA: line pending; the chat final shows neither", () => {
  const appended = (captured.assistantSessionMessage as { message: TranscriptMessage }).message;
  expect(transcriptMedia(appended)).toEqual([{ source: "pending", reference: "/tmp/s5gw-scratch/gw/workspace/out.png" }]);
  expect(hasPendingMedia(appended)).toBe(true);
  const final = (captured.assistantChatFinal as { message: TranscriptMessage }).message;
  expect(transcriptMedia(final)).toEqual([]);
});

test("the same reply read again (chat.history): a managed image artifact with its facts", () => {
  const media = transcriptMedia(row("assistantHistoryRow"));
  expect(media).toEqual([
    {
      source: "artifact",
      artifactId: "artifact_managed_image_73066051-c6a7-40c7-b5ef-4fe54c11d9e0",
      kind: "image",
      mimeType: "image/png",
      fileName: "out.png",
      sizeBytes: 268,
    },
  ]);
  expect(hasPendingMedia(row("assistantHistoryRow"))).toBe(false);
});

test("a file the Gateway could not deliver is reported failed, with its code", () => {
  expect(transcriptMedia(row("attachmentErrorHistoryRow"))).toEqual([
    { source: "failed", code: "delivery-failed", kind: "image", mimeType: "image/png", fileName: "out.png", sizeBytes: undefined },
  ]);
});

test("documents, audio and inline images; blocks without a file are ignored", () => {
  const message: TranscriptMessage = {
    role: "assistant",
    content: [
      { type: "text", text: "files:" },
      { type: "attachment", attachment: { artifactId: "a-doc", kind: "document", label: "report.pdf", mimeType: "application/pdf", sizeBytes: 10 } },
      { type: "audio", artifactId: "a-audio", fileName: "note.mp3", mimeType: "audio/mpeg", sizeBytes: 5 },
      { type: "image", data: "iVBORw0=", mimeType: "image/png" },
      { type: "image" },
      { type: "attachment", attachment: { label: "no id" } },
      "junk",
    ],
  };
  expect(transcriptMedia(message)).toEqual([
    { source: "artifact", artifactId: "a-doc", kind: "document", mimeType: "application/pdf", fileName: "report.pdf", sizeBytes: 10 },
    { source: "artifact", artifactId: "a-audio", kind: "audio", mimeType: "audio/mpeg", fileName: "note.mp3", sizeBytes: 5 },
    { source: "inline", base64: "iVBORw0=", kind: "image", mimeType: "image/png", fileName: undefined, sizeBytes: undefined },
  ]);
});

test("MEDIA: lines as OpenClaw reads them: standalone, ≤ 3 spaces, outside code fences, quotes kept out; user rows never", () => {
  const text = [
    "Here you go",
    "MEDIA:/w/a.png",
    "   MEDIA: ./b.pdf",
    "    MEDIA:/indented-code.png",
    "Here is your image: MEDIA:/inline.png",
    "`MEDIA:/code.png`",
    "```",
    "MEDIA:/fenced.png",
    "```",
    'MEDIA:"https://example.com/v.mp4?x=1,"',
  ].join("\n");
  expect(mediaLineReferences(text)).toEqual(["/w/a.png", "./b.pdf", "https://example.com/v.mp4?x=1,"]);
  expect(transcriptMedia({ role: "user", content: [{ type: "text", text: "MEDIA:/etc/passwd" }] })).toEqual([]);
  expect(transcriptMedia({ role: "user", content: "MEDIA:/etc/passwd" })).toEqual([]);
});
