/** Who is calling: turns a JWT (not verified, local use only) or an admin key into what `ctx.auth` sees. */
import type { UserIdentity } from "convex/server";

/** The caller of one function: anonymous, a user identified by a JWT, or an admin (may call internal functions). */
export type CallerAuth =
  | { kind: "none" }
  | { kind: "user"; identity: UserIdentity }
  | { kind: "admin"; identity: UserIdentity | null };

export const ANONYMOUS: CallerAuth = { kind: "none" };

export class AuthenticationError extends Error {
  override name = "AuthenticationError";
}

// UserIdentity attribute ← JWT claim, as documented on convex's UserIdentity.
const CLAIM_TO_ATTRIBUTE: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};

// Registered JWT claims that describe the token, not the user; the backend does not expose them.
const TOKEN_CLAIMS = new Set(["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]);

/**
 * Decodes a JWT's payload into a UserIdentity. The signature is NOT checked: this server has no
 * identity-provider configuration and is for local development and tests only.
 */
export function identityFromJwt(token: string, nowMs: number = Date.now()): UserIdentity {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) throw new AuthenticationError("Auth token is not a JWT");
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    throw new AuthenticationError("Could not parse the JWT payload");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new AuthenticationError("The JWT payload is not an object");
  }
  const payload = claims as Record<string, unknown>;
  const { iss, sub, exp } = payload;
  if (typeof iss !== "string" || typeof sub !== "string") {
    throw new AuthenticationError("The JWT must have string `iss` and `sub` claims");
  }
  // Expired tokens are refused like the real backend does, so client token refresh paths get exercised.
  if (typeof exp === "number" && exp * 1000 <= nowMs) throw new AuthenticationError("Token expired");
  const identity: Record<string, unknown> = { tokenIdentifier: `${iss}|${sub}`, subject: sub, issuer: iss };
  for (const [claim, value] of Object.entries(payload)) {
    if (TOKEN_CLAIMS.has(claim)) continue;
    identity[CLAIM_TO_ATTRIBUTE[claim] ?? claim] = value;
  }
  return identity as unknown as UserIdentity;
}

/** Admin tokens are accepted only when the server was started with that exact admin key. */
export function adminAuth(
  key: string,
  configuredKey: string | undefined,
  impersonating?: Record<string, unknown>,
): CallerAuth {
  if (configuredKey === undefined || key !== configuredKey) {
    throw new AuthenticationError("Invalid admin key");
  }
  if (impersonating && typeof impersonating.subject === "string") {
    const issuer = typeof impersonating.issuer === "string" ? impersonating.issuer : "local-convex";
    const identity = { ...impersonating, issuer, tokenIdentifier: `${issuer}|${impersonating.subject}` };
    return { kind: "admin", identity: identity as unknown as UserIdentity };
  }
  return { kind: "admin", identity: null };
}

/** `Authorization: Bearer <jwt>` or `Convex <adminKey>`, as ConvexHttpClient sends them. */
export function authFromHeader(header: string | undefined, adminKey: string | undefined): CallerAuth {
  if (!header) return ANONYMOUS;
  const space = header.indexOf(" ");
  const scheme = space === -1 ? header : header.slice(0, space);
  const value = space === -1 ? "" : header.slice(space + 1).trim();
  if (scheme === "Bearer") return { kind: "user", identity: identityFromJwt(value) };
  if (scheme === "Convex") return adminAuth(value, adminKey);
  throw new AuthenticationError(`Unsupported authorization scheme "${scheme}"`);
}
