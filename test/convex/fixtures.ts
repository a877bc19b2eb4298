/** Shared setup for the Convex tests: a fresh in-memory backend, credentials, and a paired device. */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest } from "@jest/globals";
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import type { ErrorCode, ErrorData } from "../../convex/lib/errors.js";
import schema from "../../convex/schema.js";
import { sha256Hex } from "../../convex/lib/auth.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, REGISTRATION_KEY_ENV } from "../../dev/local-convex/registration-key.js";
import { convexModules } from "./convex-modules.js";

/** The deployment's registration key in these tests (a personal deployment, as the README sets one up). */
export const REGISTRATION_KEY = LOCAL_CONVEX_REGISTRATION_KEY;

/** Convex environment variables the functions read (process.env, as on a deployment); restored by `useConvexTestFile`. */
export function setDeploymentEnv(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

export function newBackend() {
  flattenGlobals();
  return convexTest(schema, convexModules());
}
export type Backend = ReturnType<typeof newBackend>;

/** 32 random bytes, base64url: the shape of every credential in the contract. */
export function credential(): string {
  return randomBytes(32).toString("base64url");
}

export async function registerInstance(t: Backend, name: string): Promise<{ secret: string; instanceId: Id<"instances"> }> {
  const secret = credential();
  const { instanceId } = await t.mutation(api.instances.register, { secret, name, registrationKey: REGISTRATION_KEY });
  return { secret, instanceId };
}

export type Paired = {
  deviceToken: string;
  deviceId: Id<"devices">;
  pairingToken: string;
  pairingId: Id<"pairingCodes">;
};

export async function pairDevice(t: Backend, relaySecret: string, deviceName = "Pixel", platform = "android"): Promise<Paired> {
  const pairingToken = credential();
  const { pairingId } = await t.mutation(api.pairing.create, { relaySecret, token: pairingToken });
  const deviceToken = credential();
  await t.action(api.pairing.claim, { pairingToken, deviceToken, deviceName, platform });
  // The claim doesn't answer with the device id (it never leaves Convex); tests look it up.
  const tokenHash = await sha256Hex(deviceToken);
  const device = await t.run((ctx) => ctx.db.query("devices").withIndex("by_token_hash", (q) => q.eq("tokenHash", tokenHash)).unique());
  return { deviceToken, deviceId: device!._id, pairingToken, pairingId };
}

/** Awaits a call that must fail with a ConvexError of `code`; returns the error data. */
export async function expectError(call: Promise<unknown>, code: ErrorCode): Promise<ErrorData> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (!(error instanceof ConvexError)) throw error;
    const data = error.data as ErrorData;
    expect(data.code).toBe(code);
    expect(typeof data.message).toBe("string");
    return data;
  }
  throw new Error(`expected ConvexError ${code}, but the call returned ${JSON.stringify(result)}`);
}

/** Lets scheduled functions due within `ms` run to completion. */
export async function advance(t: Backend, ms: number): Promise<void> {
  jest.advanceTimersByTime(ms);
  await t.finishInProgressScheduledFunctions();
}

// The globals convex-test turns into per-call accessors (its PATCHABLE_GLOBALS).
const WRAPPED_GLOBALS = [
  "setTimeout", "clearTimeout", "setInterval", "clearInterval", "fetch", "Date", "Math", "console", "process",
  "crypto", "Crypto", "CryptoKey", "SubtleCrypto", "atob", "btoa", "Request", "Response", "Headers", "URL",
  "URLSearchParams", "AbortController", "TextEncoder", "TextDecoder", "structuredClone", "queueMicrotask", "performance",
];

/**
 * Undoes convex-test's global accessors between tests. Under jest it re-wraps every one of them on each
 * function call (jest's global proxy wraps the setter it installs, so its "already mine" check always fails),
 * and reads then walk a chain as deep as the number of calls so far: the matrix took 395 s instead of ~10 s.
 * Reading a global here (outside any call) yields the current value, fake timers included.
 */
function flattenGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  for (const key of WRAPPED_GLOBALS) {
    const descriptor = Object.getOwnPropertyDescriptor(g, key);
    if (descriptor?.get === undefined || descriptor.configurable !== true) continue;
    Object.defineProperty(g, key, { value: g[key], writable: true, configurable: true, enumerable: descriptor.enumerable ?? false });
  }
}

/**
 * Per-file setup for convex-test: fake timers installed once for the file (re-installing them per test
 * also re-wraps globals), globals flattened before each test, and scheduled functions still pending when
 * a test ends run to completion before their timers are dropped.
 */
export function useConvexTestFile(current?: () => Backend | undefined): void {
  const savedEnv = { ...process.env };
  beforeAll(() => {
    jest.useFakeTimers();
  });
  beforeEach(() => {
    // Every test starts on a personal deployment with the default limits.
    for (const name of Object.keys(process.env)) if (name.startsWith("FASTCLAW_")) delete process.env[name];
    setDeploymentEnv({ [REGISTRATION_KEY_ENV]: REGISTRATION_KEY });
  });
  beforeEach(() => {
    flattenGlobals();
  });
  afterEach(async () => {
    const t = current?.();
    if (t !== undefined) await t.finishAllScheduledFunctions(() => jest.runAllTimers());
    jest.clearAllTimers();
  });
  afterAll(() => {
    jest.useRealTimers();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });
}

/** One registered instance ("Home") and one paired device on a fresh backend. */
export interface PairedBackend {
  t: Backend;
  relaySecret: string;
  deviceToken: string;
}

/** For a test file: `useConvexTestFile` plus, before each test, a fresh paired backend handed to `take`. */
export function usePairedBackend(take: (env: PairedBackend) => void): void {
  let current: Backend | undefined;
  useConvexTestFile(() => current);
  beforeEach(async () => {
    const t = newBackend();
    current = t;
    const relaySecret = (await registerInstance(t, "Home")).secret;
    take({ t, relaySecret, deviceToken: (await pairDevice(t, relaySecret)).deviceToken });
  });
}
