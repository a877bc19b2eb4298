/** Pairing tests: a local Convex server with the project's functions, an app-side client, and CLI runners. */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { startLocalConvex, type LocalConvexServer } from "../../dev/local-convex/index.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, provideLocalRegistrationKey, REGISTRATION_KEY_ENV } from "../../dev/local-convex/registration-key.js";
import { main, type CliDeps } from "../../src/cli/main.js";
import { newCredential } from "../../src/pairing/credentials.js";
import { parsePairingPayload } from "../../src/pairing/payload.js";
import { capture, makeSandbox, type Sandbox } from "../service/helpers.js";

export const ADMIN_KEY = "local-admin-key-for-tests";

/**
 * convex-test (under the local server) arms a real 5-minute timer for each code's scheduled expiry and
 * does not clear it when the job is cancelled or the server stops, which keeps jest alive for 5
 * minutes. Timers that long are unref'd here so they cannot hold the test process open.
 */
export function unrefLongTimers(limitMs = 120_000): void {
  const original = globalThis.setTimeout;
  const patched = (handler: () => void, ms?: number) => {
    const timer = original(handler, ms);
    if ((ms ?? 0) > limitMs) timer.unref();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
}

/** A throwaway HOME/state dir whose `pair` knows the local server's registration key (as the trial's does). */
export function pairSandbox(): Sandbox {
  const box = makeSandbox();
  box.env[REGISTRATION_KEY_ENV] = LOCAL_CONVEX_REGISTRATION_KEY;
  return box;
}

export async function startServer(): Promise<LocalConvexServer> {
  unrefLongTimers();
  // The server runs in this process, so its functions read this process's environment.
  provideLocalRegistrationKey();
  return startLocalConvex({ port: 0, host: "127.0.0.1", functionsDir: path.resolve("convex"), adminKey: ADMIN_KEY });
}

/** Runs an internal function with the admin key, as the Convex dashboard would. */
export async function adminMutation(url: string, name: string, args: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`${url}/api/mutation`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Convex ${ADMIN_KEY}` },
    body: JSON.stringify({ path: name, args: [args], format: "convex_encoded_json" }),
  });
  const body = (await response.json()) as { status: string; value?: unknown; errorMessage?: string };
  if (body.status !== "success") throw new Error(`${name}: ${body.errorMessage ?? JSON.stringify(body)}`);
  return body.value;
}

export interface AppDevice {
  deviceToken: string;
  result: { instanceName: string };
}

/** What the phone does after scanning: claim the code with a device token it made itself. */
export async function claimAsApp(payloadText: string, deviceName = "Pixel 8", platform = "android"): Promise<AppDevice> {
  const payload = parsePairingPayload(payloadText);
  const app = new ConvexClient(payload.convexUrl, {
    skipConvexDeploymentUrlCheck: true,
    logger: false,
    unsavedChangesWarning: false,
  });
  try {
    const deviceToken = newCredential();
    const result = (await app.action(makeFunctionReference<"action">("pairing:claim"), {
      pairingToken: payload.token,
      deviceToken,
      deviceName,
      platform,
    })) as AppDevice["result"];
    return { deviceToken, result };
  } finally {
    await app.close();
  }
}

export async function query(url: string, name: string, args: Record<string, unknown>): Promise<unknown> {
  const http = new ConvexHttpClient(url, { skipConvexDeploymentUrlCheck: true, logger: false });
  return http.query(makeFunctionReference<"query">(name), args);
}

export interface RunningPair {
  stdout: ReturnType<typeof capture>;
  stderr: ReturnType<typeof capture>;
  done: Promise<number>;
  controller: AbortController;
  /** Parsed NDJSON events so far (--json). */
  events(): Array<Record<string, unknown>>;
  waitFor(event: string, ms?: number): Promise<Record<string, unknown>>;
}

export function startPair(argv: string[], deps: CliDeps): RunningPair {
  const stdout = capture();
  const stderr = capture();
  const controller = new AbortController();
  const done = main(["pair", ...argv], { platform: "linux", ...deps, stdout, stderr, signal: controller.signal });
  const events = () =>
    stdout
      .text()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitFor = async (event: string, ms = 20_000) => {
    const end = Date.now() + ms;
    let finished = false;
    void done.finally(() => (finished = true));
    for (;;) {
      const found = events().find((e) => e.event === event);
      if (found) return found;
      if (finished || Date.now() > end) throw new Error(`no "${event}" event; stdout: ${stdout.text()} stderr: ${stderr.text()}`);
      await sleep(20);
    }
  };
  return { stdout, stderr, done, controller, events, waitFor };
}
