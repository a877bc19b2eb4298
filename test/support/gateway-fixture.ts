/**
 * For e2e test files: the shared real Gateway (started once by global-setup.ts) and how to control it.
 *
 *   import { e2eInfo, stopGateway, startGateway, restartGateway, throwawayRelayEnv } from "../support/gateway-fixture.js";
 *
 * - `e2eInfo()`            url, token, port, state dir, log files, stub model URL of the shared Gateway.
 * - `stopGateway()`        SIGTERM and wait for exit (clients get `shutdown`, then close 1012).
 * - `startGateway()`       start again on the same port and state; resolves when `connect` works (~9-15 s).
 * - `restartGateway()`     stop + start.
 * - `gatewayState()`       { running, pid }.
 * - `stubModelRequests()`  what the stub model was asked (user text unwrapped), `clearStubModelRequests()`.
 * - `throwawayRelayEnv()`  a fresh HOME + FASTCLAW_STATE_DIR under os.tmpdir() (never the real home).
 *
 * Importing this file registers an afterAll that starts the Gateway again if a test left it
 * stopped, so the next test file always finds it up. Operations are serialised by the control
 * server (a loopback HTTP server in the jest process), so overlapping calls are safe.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { StubModelRequest } from "../../dev/devkit/stub-model-server.js";
import { INFO_FILE_ENV, type E2eInfo } from "./e2e-harness.js";

export type { E2eInfo };

let cached: E2eInfo | undefined;

export function e2eInfo(): E2eInfo {
  if (cached) return cached;
  const file = process.env[INFO_FILE_ENV];
  if (!file) throw new Error(`gateway-fixture: ${INFO_FILE_ENV} is not set; run this file in the e2e jest project (global-setup starts the Gateway)`);
  cached = JSON.parse(readFileSync(file, "utf8")) as E2eInfo;
  return cached;
}

export interface GatewayControlState {
  running: boolean;
  pid: number | null;
  url: string;
  tookMs?: number;
  error?: string;
}

async function control(method: "GET" | "POST", route: string): Promise<GatewayControlState> {
  const res = await fetch(`${e2eInfo().controlUrl}${route}`, { method });
  const body = (await res.json()) as GatewayControlState;
  if (!res.ok) throw new Error(`gateway-fixture: ${method} ${route} failed: ${body.error ?? res.status}`);
  return body;
}

export const gatewayState = () => control("GET", "/state");
export const stopGateway = () => control("POST", "/stop");
export const startGateway = () => control("POST", "/start");
export const restartGateway = () => control("POST", "/restart");
export const ensureGatewayRunning = () => control("POST", "/ensure-running");

export async function stubModelRequests(): Promise<StubModelRequest[]> {
  const res = await fetch(`${e2eInfo().stubModelBaseUrl.replace(/\/v1$/, "")}/__stub/requests`);
  return (await res.json()) as StubModelRequest[];
}

export async function clearStubModelRequests(): Promise<void> {
  await fetch(`${e2eInfo().stubModelBaseUrl.replace(/\/v1$/, "")}/__stub/requests`, { method: "DELETE" });
}

export interface ThrowawayRelayEnv {
  dir: string;
  /** HOME and FASTCLAW_STATE_DIR inside `dir`; no OPENCLAW_* from the outer environment. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function throwawayRelayEnv(prefix = "fastclaw-test-"): Promise<ThrowawayRelayEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    env: { HOME: path.join(dir, "home"), FASTCLAW_STATE_DIR: path.join(dir, "state") },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

// Whatever a test file did to the shared Gateway, the next file finds it running.
if (typeof afterAll === "function" && process.env[INFO_FILE_ENV]) {
  afterAll(async () => {
    await ensureGatewayRunning();
  }, 120_000);
}
