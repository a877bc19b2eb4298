/** Credential checks: format, sha256 hashing, and resolving a relay secret or device token to its instance. */
import type { Doc } from "../_generated/dataModel.js";
import type { DatabaseReader } from "../_generated/server.js";
import { badRequest, fail } from "./errors.js";

// 43 chars of base64url is 32 random bytes; the upper bound keeps hashing and indexes cheap.
const CREDENTIAL = /^[A-Za-z0-9_-]{43,128}$/;

/** Same message for unknown, rotated and revoked credentials, so a failure teaches a caller nothing. */
const UNAUTHORIZED_MESSAGE = "credential not recognised";

export function checkCredential(field: string, value: string): void {
  if (!CREDENTIAL.test(value)) badRequest(`${field} must be 43..128 characters of [A-Za-z0-9_-]`);
}

/** Lowercase hex sha256 with Web Crypto, which both Convex's runtime and Node provide. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Validates and hashes a credential argument. */
export async function credentialHash(field: string, value: string): Promise<string> {
  checkCredential(field, value);
  return sha256Hex(value);
}

export async function requireInstance(ctx: { db: DatabaseReader }, relaySecret: string): Promise<Doc<"instances">> {
  const secretHash = await credentialHash("relaySecret", relaySecret);
  const instance = await ctx.db
    .query("instances")
    .withIndex("by_secret_hash", (q) => q.eq("secretHash", secretHash))
    .unique();
  if (instance === null) fail("UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
  return instance;
}

export async function requireDevice(
  ctx: { db: DatabaseReader },
  deviceToken: string,
): Promise<{ device: Doc<"devices">; instance: Doc<"instances"> }> {
  const tokenHash = await credentialHash("deviceToken", deviceToken);
  const device = await ctx.db
    .query("devices")
    .withIndex("by_token_hash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  if (device === null || device.status !== "active") fail("UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
  const instance = await ctx.db.get(device.instanceId);
  if (instance === null) fail("UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
  return { device, instance };
}
