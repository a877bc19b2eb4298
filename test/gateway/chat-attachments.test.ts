/** Unit: chat.send files — the policy read from hello-ok, every refusal of the check, the wire shape, and that a refused file is never sent. */
import {
  AttachmentRefusedError,
  ATTACHMENT_LIMITS,
  attachmentPolicyFromHello,
  chatSendFrameBytes,
  checkAttachments,
  toGatewayAttachments,
  type AttachmentPolicy,
  type OutgoingAttachment,
} from "../../src/gateway/chat-attachments.js";
import { generateDeviceIdentity } from "../../src/gateway/device-identity.js";
import { GatewayConnection } from "../../src/gateway/gateway-connection.js";
import { gatewayFailureOf } from "../../src/gateway/gateway-errors.js";
import { captureLogger } from "../support/capture-logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { fakeClientFactory } from "../support/fake-gateway-client.js";
import { testPng } from "../support/test-png.js";

const MiB = 1024 * 1024;
/** What openclaw 2026.9.6 advertised in hello-ok on this machine (maxBytes follows agents.defaults.mediaMaxMb). */
const REAL_HELLO_POLICY = {
  maxPayload: 26214400,
  maxBufferedBytes: 52428800,
  tickIntervalMs: 30000,
  attachments: { maxBytes: 19464192, maxImageBytes: 6291456 },
};
const policy: AttachmentPolicy = { maxBytes: 19464192, maxImageBytes: 6291456, maxPayload: 26214400 };
const png = (bytes = 0): OutgoingAttachment => {
  const image = testPng(4, 4, 3);
  return { bytes: bytes > image.length ? Buffer.concat([image, Buffer.alloc(bytes - image.length)]) : image, mimeType: "image/png", fileName: "photo.png" };
};
const file = (bytes: number, mimeType = "application/pdf"): OutgoingAttachment => ({ bytes: new Uint8Array(bytes).fill(7), mimeType, fileName: "doc.pdf" });

test("reads policy.attachments and maxPayload from a real hello-ok; absent or malformed fields are undefined", () => {
  expect(attachmentPolicyFromHello({ policy: REAL_HELLO_POLICY })).toEqual(policy);
  // Older Gateways leave policy.attachments out.
  expect(attachmentPolicyFromHello({ policy: { maxPayload: 1000 } })).toEqual({ maxBytes: undefined, maxImageBytes: undefined, maxPayload: 1000 });
  expect(attachmentPolicyFromHello({ policy: { maxPayload: -1, attachments: { maxBytes: "big", maxImageBytes: 0 } } })).toEqual({
    maxBytes: undefined,
    maxImageBytes: undefined,
    maxPayload: undefined,
  });
  expect(attachmentPolicyFromHello(null)).toEqual({ maxBytes: undefined, maxImageBytes: undefined, maxPayload: undefined });
});

test("accepts an image and a file within the limits", () => {
  expect(checkAttachments([png(), file(1000)], policy)).toEqual({ ok: true });
  // Exactly at the image limit is fine.
  expect(checkAttachments([png(policy.maxImageBytes)], policy)).toEqual({ ok: true });
});

test("TOO_LARGE: an image over maxImageBytes, another file over maxBytes; the message names the file and both sizes", () => {
  const image = checkAttachments([png(), png(policy.maxImageBytes! + 1)], policy);
  expect(image).toMatchObject({ ok: false, code: "TOO_LARGE", index: 1 });
  expect(!image.ok && image.message).toBe('"photo.png" is 6.0 MiB; the Gateway takes images up to 6.0 MiB');
  // A 10 MiB PDF is fine (files may be larger than images) …
  expect(checkAttachments([file(10 * MiB)], policy)).toEqual({ ok: true });
  // … a 19 MiB one is not.
  const big = checkAttachments([file(19 * MiB)], policy);
  expect(big).toMatchObject({ ok: false, code: "TOO_LARGE", index: 0 });
  expect(!big.ok && big.message).toContain("files up to 18.6 MiB");
  // Without maxImageBytes an image is held to maxBytes.
  expect(checkAttachments([png(2000)], { maxBytes: 1000, maxImageBytes: undefined, maxPayload: undefined })).toMatchObject({ code: "TOO_LARGE" });
});

test("PAYLOAD_TOO_LARGE: files each within their limit whose base64 frame exceeds maxPayload", () => {
  // Four 5 MiB images: each allowed, together 20 MiB of bytes, 26.7 MiB of base64.
  const four = [png(5 * MiB), png(5 * MiB), png(5 * MiB), png(5 * MiB)];
  const result = checkAttachments(four, policy, { sessionKey: "main", message: "hi", idempotencyKey: "k" });
  expect(result).toMatchObject({ ok: false, code: "PAYLOAD_TOO_LARGE" });
  expect(!result.ok && result.message).toContain("at most 25.0 MiB");
  expect(result).not.toHaveProperty("index");
  // Without an advertised maxPayload the Gateway's built-in 25 MiB applies.
  expect(checkAttachments(four, { ...policy, maxPayload: undefined })).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
});

test("the frame size is measured without encoding, and equals the encoded request's size", () => {
  const files = [png(1000), file(12345, "text/plain")];
  const params = { sessionKey: "agent:main:main", message: "see ✓", idempotencyKey: "key-1" };
  const encoded = Buffer.byteLength(JSON.stringify({ ...params, attachments: toGatewayAttachments(files) }), "utf8");
  expect(chatSendFrameBytes(params, files)).toBe(encoded + ATTACHMENT_LIMITS.frameEnvelopeBytes);
});

test("UNSUPPORTED_TYPE: no valid MIME type, an image type the relay doesn't send, and an image whose bytes aren't of its type", () => {
  expect(checkAttachments([{ ...file(10), mimeType: "" }], policy)).toMatchObject({ ok: false, code: "UNSUPPORTED_TYPE", index: 0 });
  expect(checkAttachments([{ ...file(10), mimeType: "not a type" }], policy)).toMatchObject({ code: "UNSUPPORTED_TYPE" });
  const svg = checkAttachments([{ bytes: Buffer.from("<svg/>"), mimeType: "image/svg+xml", fileName: "x.svg" }], policy);
  expect(svg).toMatchObject({ code: "UNSUPPORTED_TYPE" });
  expect(!svg.ok && svg.message).toContain("image/svg+xml images can't be sent");
  const fake = checkAttachments([{ bytes: Buffer.from("GIF89a....."), mimeType: "image/png", fileName: "fake.png" }], policy);
  expect(fake).toMatchObject({ code: "UNSUPPORTED_TYPE" });
  expect(!fake.ok && fake.message).toBe('"fake.png" does not hold image/png data (its content doesn\'t match its type)');
  // Parameters and case in the declared type are tolerated.
  expect(checkAttachments([{ ...png(), mimeType: "Image/PNG; charset=binary" }], policy)).toEqual({ ok: true });
});

test("EMPTY and TOO_MANY", () => {
  expect(checkAttachments([png(), { bytes: new Uint8Array(0), mimeType: "text/plain" }], policy)).toMatchObject({
    ok: false,
    code: "EMPTY",
    index: 1,
    message: "file 2 is empty",
  });
  const many = Array.from({ length: ATTACHMENT_LIMITS.maxCount + 1 }, () => png());
  expect(checkAttachments(many, policy)).toMatchObject({ ok: false, code: "TOO_MANY" });
  expect(checkAttachments(many.slice(1), policy)).toEqual({ ok: true });
});

test("the wire shape: base64 content, normalised mimeType, type image|file, fileName when given", () => {
  const image = png();
  expect(toGatewayAttachments([image, { bytes: Buffer.from("hello"), mimeType: "Text/Plain" }])).toEqual([
    { type: "image", mimeType: "image/png", fileName: "photo.png", content: Buffer.from(image.bytes).toString("base64") },
    { type: "file", mimeType: "text/plain", content: Buffer.from("hello").toString("base64") },
  ]);
});

function connected(policyOverride: Record<string, unknown>) {
  const factory = fakeClientFactory();
  const connection = new GatewayConnection({
    url: "ws://127.0.0.1:18789",
    auth: { token: "t" },
    identity: generateDeviceIdentity(),
    logger: captureLogger().logger,
    clock: new FakeClock(),
    random: () => 0.5,
    createClient: factory.create,
  });
  connection.start();
  factory.last.hello(undefined, undefined, policyOverride);
  return { factory, connection };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test("connection.chatSend sends files in the Gateway's shape, within this connection's advertised limits", async () => {
  const { factory, connection } = connected(REAL_HELLO_POLICY);
  await flush();
  expect(connection.hello?.attachmentPolicy).toEqual(policy);
  const image = png();
  const sent = connection.chatSend({ sessionKey: "main", message: "look", idempotencyKey: "k1", files: [image] });
  await flush();
  const request = factory.last.requests.find((r) => r.method === "chat.send");
  expect(request?.params).toEqual({
    sessionKey: "main",
    message: "look",
    idempotencyKey: "k1",
    attachments: [{ type: "image", mimeType: "image/png", fileName: "photo.png", content: Buffer.from(image.bytes).toString("base64") }],
  });
  request?.resolve({ runId: "k1", status: "started" });
  await expect(sent).resolves.toMatchObject({ runId: "k1", status: "started" });
  await connection.stop();
});

test("connection.chatSend refuses an oversized image before sending: nothing reaches the Gateway, the failure is final and says why", async () => {
  const { factory, connection } = connected({ attachments: { maxBytes: 5000, maxImageBytes: 2000 }, maxPayload: 10_000 });
  await flush();
  const error = await connection.chatSend({ sessionKey: "main", message: "big", idempotencyKey: "k2", files: [png(2001)] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AttachmentRefusedError);
  expect(gatewayFailureOf(error)).toEqual({ kind: "rejected", code: "ATTACHMENT_TOO_LARGE", reason: '"photo.png" is 2.0 KiB; the Gateway takes images up to 2.0 KiB' });
  expect(factory.last.requests.filter((r) => r.method === "chat.send")).toHaveLength(0);
  // The frame limit comes from this connection's hello too: two 4,000-byte files are 10.7 KB of base64.
  const frame = await connection.chatSend({ sessionKey: "main", message: "", idempotencyKey: "k3", files: [file(4000), file(4000)] }).catch((e: unknown) => e);
  expect(gatewayFailureOf(frame)).toMatchObject({ kind: "rejected", code: "ATTACHMENT_PAYLOAD_TOO_LARGE" });
  expect(factory.last.requests.filter((r) => r.method === "chat.send")).toHaveLength(0);
  await connection.stop();
});
