/** The registration key of the local Convex server's functions, known to the trial, tests and bench that use it. */
import { ENV } from "../../convex/lib/settings.js";

/** The Convex environment variable the functions read, and the relay's `pair` environment variable: one name. */
export const REGISTRATION_KEY_ENV = ENV.registrationKey;

/**
 * Not a secret: the local server is in-memory and loopback-only, so anyone who can reach it can read this file.
 * It exists so that the local server runs the same registration check as a personal deployment.
 */
export const LOCAL_CONVEX_REGISTRATION_KEY = "local-convex-registration-key-not-a-secret-0001";

/** Gives this process's Convex functions the local key, unless a key is set already. */
export function provideLocalRegistrationKey(env: NodeJS.ProcessEnv = process.env): string {
  env[REGISTRATION_KEY_ENV] ??= LOCAL_CONVEX_REGISTRATION_KEY;
  return env[REGISTRATION_KEY_ENV]!;
}
