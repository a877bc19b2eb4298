/** Unit: the device identity file is created once with tight permissions, reused, validated, and signs correctly. */
import crypto from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildDeviceAuthPayloadV3 } from "@openclaw/gateway-client";
import { statePaths } from "../../src/config/paths.js";
import {
  DeviceIdentityError,
  deviceIdFromPublicKeyPem,
  loadOrCreateDeviceIdentity,
  publicKeyRawBase64UrlFromPem,
  signDevicePayload,
} from "../../src/gateway/device-identity.js";

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-identity-"));
  file = statePaths({ HOME: path.join(dir, "home"), FASTCLAW_STATE_DIR: path.join(dir, "state") }).deviceIdentityFile;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

test("created once: file 0600 in a 0700 dir, and the same identity on every later load", async () => {
  const first = await loadOrCreateDeviceIdentity(file);
  expect(first.deviceId).toMatch(/^[0-9a-f]{64}$/);
  expect(await mode(file)).toBe(0o600);
  expect(await mode(path.dirname(file))).toBe(0o700);
  const content = await readFile(file, "utf8");
  const again = await loadOrCreateDeviceIdentity(file);
  expect(again).toEqual(first);
  expect(await readFile(file, "utf8")).toBe(content);
});

test("two concurrent first starts end up with one identity", async () => {
  const [a, b, c] = await Promise.all([loadOrCreateDeviceIdentity(file), loadOrCreateDeviceIdentity(file), loadOrCreateDeviceIdentity(file)]);
  expect(b.deviceId).toBe(a.deviceId);
  expect(c.deviceId).toBe(a.deviceId);
  expect((await loadOrCreateDeviceIdentity(file)).deviceId).toBe(a.deviceId);
});

test("loosened permissions are tightened back to 0600 on load", async () => {
  await loadOrCreateDeviceIdentity(file);
  await chmod(file, 0o644);
  await loadOrCreateDeviceIdentity(file);
  expect(await mode(file)).toBe(0o600);
});

test("a damaged file is an error that names it, never a silent new identity", async () => {
  const original = await loadOrCreateDeviceIdentity(file);
  const parsed = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  for (const damaged of [
    "not json",
    JSON.stringify({ ...parsed, deviceId: "0".repeat(64) }),
    JSON.stringify({ ...parsed, privateKeyPem: crypto.generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) }),
    JSON.stringify({ version: 1 }),
  ]) {
    await writeFile(file, damaged, { mode: 0o600 });
    const err = await loadOrCreateDeviceIdentity(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeviceIdentityError);
    expect((err as Error).message).toContain(file);
  }
  expect(original.deviceId).toMatch(/^[0-9a-f]{64}$/);
});

test("deviceId = sha256(raw public key); publicKey = raw key base64url; signature verifies over the v3 payload", async () => {
  const identity = await loadOrCreateDeviceIdentity(file);
  const raw = Buffer.from(publicKeyRawBase64UrlFromPem(identity.publicKeyPem), "base64url");
  expect(raw).toHaveLength(32);
  const der = crypto.createPublicKey(identity.publicKeyPem).export({ type: "spki", format: "der" });
  expect(der.subarray(0, 12).toString("hex")).toBe("302a300506032b6570032100");
  expect(deviceIdFromPublicKeyPem(identity.publicKeyPem)).toBe(crypto.createHash("sha256").update(raw).digest("hex"));
  expect(identity.deviceId).toBe(crypto.createHash("sha256").update(raw).digest("hex"));

  const payload = buildDeviceAuthPayloadV3({
    deviceId: identity.deviceId,
    clientId: "gateway-client",
    clientMode: "backend",
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    signedAtMs: 1_700_000_000_000,
    token: "tok",
    nonce: "nonce-1",
    platform: "linux",
  });
  expect(payload.startsWith(`v3|${identity.deviceId}|gateway-client|backend|operator|operator.read,operator.write|1700000000000|tok|nonce-1|linux|`)).toBe(true);
  const signature = Buffer.from(signDevicePayload(identity.privateKeyPem, payload), "base64url");
  expect(crypto.verify(null, Buffer.from(payload), crypto.createPublicKey(identity.publicKeyPem), signature)).toBe(true);
});
