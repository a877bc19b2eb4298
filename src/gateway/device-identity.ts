/** The relay's Ed25519 device identity: created once in a 0600 file, reused on every start, used to sign connects. */
import crypto from "node:crypto";
import path from "node:path";
import * as fsPromises from "node:fs/promises";
import { RelayError } from "../relay-error.js";

export interface DeviceIdentity {
  /** Lowercase hex sha256 of the raw 32-byte public key (what the Gateway derives too). */
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

export type IdentityFs = Pick<typeof fsPromises, "readFile" | "writeFile" | "mkdir" | "chmod" | "link" | "unlink" | "stat">;

interface IdentityFile {
  version: 1;
  deviceId: string;
  publicKeyPem: string;
  privateKeyPem: string;
  createdAt: string;
}

/** SPKI DER of an Ed25519 key = this 12-byte prefix + the raw 32-byte key. */
const ED25519_SPKI_PREFIX_LENGTH = 12;

/** The identity file exists but can't be used: starting again changes nothing, so `run` exits as for an unusable config (78). */
export class DeviceIdentityError extends RelayError<"DEVICE_IDENTITY_UNUSABLE"> {
  override readonly name = "DeviceIdentityError";
  constructor(message: string, hint?: string) {
    super("DEVICE_IDENTITY_UNUSABLE", message, hint);
  }
}

function rawPublicKey(publicKeyPem: string): Buffer {
  const der = crypto.createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return der.subarray(ED25519_SPKI_PREFIX_LENGTH);
}

/** base64url of the raw public key: the form `connect.device.publicKey` wants. */
export function publicKeyRawBase64UrlFromPem(publicKeyPem: string): string {
  return rawPublicKey(publicKeyPem).toString("base64url");
}

export function deviceIdFromPublicKeyPem(publicKeyPem: string): string {
  return crypto.createHash("sha256").update(rawPublicKey(publicKeyPem)).digest("hex");
}

/** Ed25519 signature over the UTF-8 payload, base64url. */
export function signDevicePayload(privateKeyPem: string, payload: string): string {
  return crypto.sign(null, Buffer.from(payload, "utf8"), crypto.createPrivateKey(privateKeyPem)).toString("base64url");
}

export function generateDeviceIdentity(): DeviceIdentity {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { deviceId: deviceIdFromPublicKeyPem(publicKeyPem), publicKeyPem, privateKeyPem };
}

/** Checks that the file's parts belong together; a mismatch would fail every connect with a confusing code. */
function unusable(file: string, why: string): DeviceIdentityError {
  return new DeviceIdentityError(
    `device identity file ${file} is unusable (${why}).`,
    "It is the relay's identity towards the Gateway: restore it from a backup, or delete it to create a new identity (the Gateway will then see a new device).",
  );
}

function validate(file: string, value: unknown): DeviceIdentity {
  const bad = (why: string) => unusable(file, why);
  if (!value || typeof value !== "object") throw bad("not a JSON object");
  const v = value as Partial<IdentityFile>;
  if (typeof v.publicKeyPem !== "string" || typeof v.privateKeyPem !== "string" || typeof v.deviceId !== "string") {
    throw bad("missing deviceId, publicKeyPem or privateKeyPem");
  }
  let derivedId: string;
  try {
    if (crypto.createPublicKey(v.publicKeyPem).asymmetricKeyType !== "ed25519") throw new Error("not ed25519");
    derivedId = deviceIdFromPublicKeyPem(v.publicKeyPem);
    const probe = "fastclaw-relay identity check";
    const signature = Buffer.from(signDevicePayload(v.privateKeyPem, probe), "base64url");
    if (!crypto.verify(null, Buffer.from(probe), crypto.createPublicKey(v.publicKeyPem), signature)) throw new Error("key mismatch");
  } catch (err) {
    throw bad(`keys invalid: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (derivedId !== v.deviceId) throw bad("deviceId does not match the public key");
  return { deviceId: v.deviceId, publicKeyPem: v.publicKeyPem, privateKeyPem: v.privateKeyPem };
}

function isErrno(err: unknown, code: string): boolean {
  return err !== null && typeof err === "object" && (err as { code?: unknown }).code === code;
}

/**
 * Reads the identity at `file`, or creates it once: dir 0700, file 0600, published with link()
 * so two processes starting together still end up with one identity.
 */
export async function loadOrCreateDeviceIdentity(file: string, fs: IdentityFs = fsPromises): Promise<DeviceIdentity> {
  const dir = path.dirname(file);
  const existing = await readIdentity(file, fs);
  if (existing) return existing;

  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const identity = generateDeviceIdentity();
  const content: IdentityFile = { version: 1, ...identity, createdAt: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
    // Another process won the race: use its identity, not ours.
    await fs.unlink(tmp).catch(() => {});
    const winner = await readIdentity(file, fs);
    if (!winner) throw new DeviceIdentityError(`device identity file ${file} appeared but could not be read`);
    return winner;
  }
  await fs.unlink(tmp).catch(() => {});
  return identity;
}

async function readIdentity(file: string, fs: IdentityFs): Promise<DeviceIdentity | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unusable(file, "not valid JSON");
  }
  const identity = validate(file, parsed);
  // Holds a private key: tighten it if someone loosened it (a restore from backup often does).
  const { mode } = await fs.stat(file);
  if ((mode & 0o077) !== 0) await fs.chmod(file, 0o600);
  return identity;
}
