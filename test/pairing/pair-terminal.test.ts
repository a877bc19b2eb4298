/**
 * `pair` prints the claiming device's name: a deployment that does not check names (older functions,
 * or anyone with its admin key) must still not get an escape sequence onto the owner's terminal.
 */
import { createHash } from "node:crypto";
import type { LocalConvexServer } from "../../dev/local-convex/index.js";
import { newCredential } from "../../src/pairing/credentials.js";
import { parsePairingPayload } from "../../src/pairing/payload.js";
import type { Sandbox } from "../service/helpers.js";
import { adminMutation, pairSandbox, startPair, startServer } from "./pair-helpers.js";

let server: LocalConvexServer;
let box: Sandbox;
beforeAll(async () => {
  server = await startServer();
}, 180_000);
afterAll(async () => {
  await server.stop();
}, 180_000);
beforeEach(() => {
  box = pairSandbox();
}, 180_000);
afterEach(() => box.cleanup());

const LIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_NAME = "Pixel\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2K\rPairing code expired\u202e";
const HOSTILE_PLATFORM = "android\x1b]0;owned\x07";

/** Claims straight through the internal mutation, past the public action's name check. */
async function claimUnchecked(payload: string): Promise<void> {
  const { token } = parsePairingPayload(payload);
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const result = (await adminMutation(server.url, "pairing:claimAttempt", {
    pairingTokenHash: sha(token),
    deviceTokenHash: sha(newCredential()),
    deviceName: HOSTILE_NAME,
    platform: HOSTILE_PLATFORM,
    rateKey: "test",
  })) as { ok: boolean };
  expect(result.ok).toBe(true);
}

test("human output: the device name and platform are printed without escapes, on one line", async () => {
  const pair = startPair(["--convex-url", server.url], { env: box.env });
  const end = Date.now() + 90_000;
  while (!/fastclaw:\/\/pair\?\S+/.test(pair.stdout.text()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await claimUnchecked(/fastclaw:\/\/pair\?\S+/.exec(pair.stdout.text())![0]);
  expect(await pair.done).toBe(0);
  const paired = pair.stdout.text().split("\n").find((line) => line.startsWith("Paired with"));
  expect(paired).toBe('Paired with "Pixel Pairing code expired" (android).');
  // (The terminal QR code above it is drawn with our own colour sequences; everything from the claim on is checked.)
  const out = pair.stdout.text();
  expect(out.slice(out.indexOf("Paired with"))).not.toMatch(LIVE);
  expect(pair.stderr.text()).not.toMatch(LIVE);
}, 180_000);

test("--json: the claimed event carries the name exactly, but as \\u escapes, never raw", async () => {
  const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
  const pairing = await pair.waitFor("pairing", 90_000);
  await claimUnchecked(pairing.payload as string);
  expect(await pair.done).toBe(0);
  expect(pair.stdout.text()).not.toMatch(LIVE);
  expect(await pair.waitFor("claimed")).toEqual({ event: "claimed", device: { name: HOSTILE_NAME, platform: HOSTILE_PLATFORM } });
}, 180_000);
