/** Unit: agent media of mirrored rows is stored once per file, after the Gateway has stored it and Convex has the row; failures are bounded. */
import { MEDIA_MIRROR_LIMITS, MediaMirror, mediaAttachmentId, type GatewayFileInput, type MediaMirrorDeps } from "../../src/bridge/media-mirror.js";
import { MediaDownloadError, type DownloadedMedia } from "../../src/gateway/media-download.js";
import type { TranscriptMedia } from "../../src/gateway/transcript-media.js";
import type { TranscriptRow } from "../../src/gateway/transcript-row.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { TranscriptMirror } from "../../src/bridge/transcript-mirror.js";
import { toTranscriptRow } from "../../src/gateway/transcript-row.js";
import { FakeGateway, RecordingConvex, flush } from "./fakes.js";

const artifact = (artifactId: string): TranscriptMedia => ({ source: "artifact", artifactId, kind: "image", mimeType: "image/png", fileName: undefined, sizeBytes: 3 });
const row = (media: TranscriptMedia[], id = "gw-1"): TranscriptRow => ({ gatewayMessageId: id, role: "assistant", text: "here", timestamp: 1, media });

function setup(overrides: Partial<MediaMirrorDeps> = {}) {
  const clock = new FakeClock();
  const attached: Array<{ messageId: string; file: GatewayFileInput }> = [];
  const downloads: string[] = [];
  const deps: MediaMirrorDeps = {
    messageIdOf: async () => "m-1",
    attachedIds: async () => attached.map((a) => a.file.attachmentId),
    download: async (_s, artifactId): Promise<DownloadedMedia> => {
      downloads.push(artifactId);
      return { artifactId, kind: "image", mimeType: "image/png", fileName: "pic.png", bytes: new Uint8Array([1, 2, 3]) };
    },
    reread: async () => undefined,
    seal: async (_s, attachmentId, bytes) => new Uint8Array([...new TextEncoder().encode(attachmentId), ...bytes]),
    sealName: async (_s, _a, name) => `sealed:${name}`,
    upload: async (sealed) => `storage-${sealed.length}`,
    attach: async (messageId, file) => void attached.push({ messageId, file }),
    logger: silentLogger(),
    clock,
    ...overrides,
  };
  const mirror = new MediaMirror(deps);
  /** Lets fake time pass until the mirror is idle (at most ten minutes of it). */
  const settle = async () => {
    for (let passed = 0; passed < 600_000; passed += 100) {
      await flush();
      if (!mirror.busy) return;
      clock.advance(100);
    }
    throw new Error("the mirror did not settle");
  };
  return { mirror, attached, downloads, settle, clock };
}

test("an artifact is downloaded, sealed for its attachment id, uploaded and attached to the row, with its name sealed", async () => {
  const { mirror, attached, settle } = setup();
  mirror.rows("agent:main:a", [row([artifact("art-1")])]);
  await settle();
  const attachmentId = mediaAttachmentId("gw-1", "artifact:art-1");
  expect(attachmentId).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(attached).toEqual([{ messageId: "m-1", file: { attachmentId, storageId: `storage-${attachmentId.length + 3}`, type: "image/png", nameEnc: "sealed:pic.png" } }]);
});

test("a row seen again (catch-up, a restart) attaches nothing twice and downloads nothing", async () => {
  const { mirror, attached, downloads, settle } = setup();
  mirror.rows("agent:main:a", [row([artifact("art-1")])]);
  await settle();
  mirror.rows("agent:main:a", [row([artifact("art-1")])]);
  await settle();
  expect(attached).toHaveLength(1);
  expect(downloads).toEqual(["art-1"]);
});

test("pending MEDIA: lines are read again until the Gateway has stored the file", async () => {
  let reads = 0;
  const { mirror, attached, settle } = setup({
    reread: async () => (++reads < 3 ? [{ source: "pending", reference: "/x.png" }] : [artifact("art-9")]),
  });
  mirror.rows("agent:main:a", [row([{ source: "pending", reference: "/x.png" }])]);
  await settle();
  expect(reads).toBe(3);
  expect(attached.map((a) => a.file.attachmentId)).toEqual([mediaAttachmentId("gw-1", "artifact:art-9")]);
});

test("a file that never gets stored is given up after a bounded number of reads", async () => {
  let reads = 0;
  const { mirror, attached, settle } = setup({ reread: async () => (reads++, [{ source: "pending", reference: "/x.png" }]) });
  mirror.rows("agent:main:a", [row([{ source: "pending", reference: "/x.png" }])]);
  await settle();
  expect(reads).toBe(MEDIA_MIRROR_LIMITS.rereads);
  expect(attached).toEqual([]);
});

test("a row not in Convex yet (its ingest still spooled) is looked for again", async () => {
  let looks = 0;
  const { mirror, attached, settle } = setup({ messageIdOf: async () => (++looks < 3 ? null : "m-late") });
  mirror.rows("agent:main:a", [row([artifact("art-1")])]);
  await settle();
  expect(attached.map((a) => a.messageId)).toEqual(["m-late"]);
});

test("an expired download link is tried again; a file the Gateway no longer has is skipped, and the row's other files still go", async () => {
  let tries = 0;
  const { mirror, attached, settle } = setup({
    download: async (_s, artifactId) => {
      if (artifactId === "gone") throw new MediaDownloadError("MEDIA_UNAVAILABLE", "no longer there");
      if (++tries === 1) throw new MediaDownloadError("MEDIA_LINK_EXPIRED", "HTTP 401");
      return { artifactId, kind: "image", mimeType: "image/png", fileName: undefined, bytes: new Uint8Array([7]) };
    },
  });
  mirror.rows("agent:main:a", [row([artifact("gone"), artifact("art-2")])]);
  await settle();
  expect(tries).toBe(2);
  expect(attached.map((a) => a.file.attachmentId)).toEqual([mediaAttachmentId("gw-1", "artifact:art-2")]);
});

test("inline image bytes in the row are stored without a download", async () => {
  const { mirror, attached, downloads, settle } = setup();
  const inline: TranscriptMedia = { source: "inline", base64: Buffer.from([9, 9]).toString("base64"), kind: "image", mimeType: "image/gif", fileName: undefined, sizeBytes: 2 };
  mirror.rows("agent:main:a", [row([inline])]);
  await settle();
  expect(downloads).toEqual([]);
  expect(attached.map((a) => a.file.type)).toEqual(["image/gif"]);
});

test(`at most ${MEDIA_MIRROR_LIMITS.maxQueuedRows} rows wait; more are dropped instead of growing memory`, async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { mirror, attached, settle } = setup({ messageIdOf: async () => (await gate, "m-1") });
  const rows = Array.from({ length: MEDIA_MIRROR_LIMITS.maxQueuedRows + 5 }, (_, i) => row([artifact(`a-${i}`)], `gw-${i}`));
  mirror.rows("agent:main:a", rows.slice(0, 1));
  await flush();
  mirror.rows("agent:main:a", rows.slice(1));
  release();
  await settle();
  expect(attached).toHaveLength(MEDIA_MIRROR_LIMITS.maxQueuedRows + 1);
});

test("a transcript row's files travel beside it: Convex's ingest gets the row without them, the media mirror gets the row after its write", async () => {
  const parsed = toTranscriptRow({
    sessionKey: "agent:main:a",
    messageId: "gw-7",
    message: { role: "assistant", content: [{ type: "text", text: "here it is\n\nMEDIA:/tmp/pic.png" }], timestamp: 5 },
  } as never);
  expect(parsed?.media).toEqual([{ source: "pending", reference: "/tmp/pic.png" }]);
  const convex = new RecordingConvex();
  const handed: TranscriptRow[] = [];
  const mirror = new TranscriptMirror({
    gateway: new FakeGateway(),
    convex,
    cursors: new CursorStore("/nonexistent/cursors.json", "instance-1"),
    logger: silentLogger(),
    backfillPerSession: 0,
    clock: new FakeClock(),
    media: { rows: (_key, rows) => handed.push(...rows) },
  });
  mirror.live("agent:main:a", parsed!);
  for (let i = 0; i < 20 && handed.length === 0; i++) await flush();
  mirror.stop();
  const ingested = convex.calls("relay:ingestTranscript")[0]!.messages as Array<Record<string, unknown>>;
  expect(ingested).toHaveLength(1);
  expect(ingested[0]).not.toHaveProperty("media");
  expect(handed.map((r) => r.gatewayMessageId)).toEqual(["gw-7"]);
});
