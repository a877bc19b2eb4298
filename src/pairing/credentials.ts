/** Credentials the relay mints: 32 random bytes, base64url (43 characters), from the OS CSPRNG. */
import { randomBytes } from "node:crypto";

export function newCredential(): string {
  return randomBytes(32).toString("base64url");
}
