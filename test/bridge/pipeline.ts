/**
 * The whole product for e2e tests: the shared real Gateway, the local Convex-compatible server running
 * `convex/` (in this process, so a test can take it offline), the relay as a separate process, an app
 * client on `ConvexClient`, and a second operator connection for checks and "other channel" messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { AppClient, type AppMessage } from "../../src/app-client/app-client.js";
import { clipBytes, LIMITS } from "../../src/bridge/clip.js";
import { spawnLocalConvex, type LocalConvexProcess } from "../../dev/devkit/local-convex-process.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";
import { generateContentKey } from "../../src/e2e/content-key.js";
import { KeyRing } from "../../src/e2e/key-ring.js";
import type { RuntimeState } from "../../src/runtime/runtime-state.js";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "../support/gateway-fixture.js";
import { relayConnection, type RelayUnderTest } from "../support/relay-connection.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface PipelineOptions {
  maxMessageAgeMs?: number;
  streamWritesPerSecond?: number;
  /** Where the relay dials the Gateway (e.g. a proxy in front of it); the shared Gateway by default. */
  gatewayUrl?: string;
  /** More `relay.*` settings for config.json (e.g. cronControl). */
  relay?: Record<string, unknown>;
}

export interface RelayProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export class Pipeline {
  relay: RelayProcess | undefined;

  private constructor(
    readonly convex: LocalConvexProcess,
    readonly home: ThrowawayRelayEnv,
    readonly app: AppClient,
    readonly operator: RelayUnderTest,
    readonly secret: string,
    /** The relay's content key (config.json), as the pairing payload gives it to the app. */
    readonly contentKey: string,
    /** The app device's own credential, for Convex calls AppClient has no method for (files). */
    readonly deviceToken: string,
  ) {}

  static async start(options: PipelineOptions = {}): Promise<Pipeline> {
    // Its own process, as for a person: convex-test's global patching can't run inside jest's sandbox.
    const convex = await spawnLocalConvex();
    const home = await throwawayRelayEnv("fastclaw-pipeline-");
    let app: AppClient | undefined;
    let operator: RelayUnderTest | undefined;
    let pipeline: Pipeline | undefined;
    try {
      const secret = randomBytes(32).toString("base64url");
      const http = new ConvexHttpClient(convex.url);
      const mutation = (name: string) => makeFunctionReference<"mutation", Record<string, unknown>, Record<string, string>>(name);
      const { instanceId } = await http.mutation(mutation("instances:register"), { secret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name: "e2e relay" });
      const pairingToken = randomBytes(32).toString("base64url");
      await http.mutation(mutation("pairing:create"), { relaySecret: secret, token: pairingToken });
      const contentKey = generateContentKey();
      let deviceToken: string;
      ({ app, deviceToken } = await AppClient.claim(convex.url, { pairingToken, keys: await KeyRing.fromStored(contentKey), deviceName: "e2e phone", platform: "test" }));

      const info = e2eInfo();
      const stateDir = home.env.FASTCLAW_STATE_DIR!;
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      const config = {
        convexUrl: convex.url,
        instanceId,
        instanceSecret: secret,
        contentKey,
        instanceName: "e2e relay",
        gateway: { url: options.gatewayUrl ?? info.gatewayUrl, token: info.gatewayToken },
        relay: {
          maxMessageAgeMs: options.maxMessageAgeMs ?? 120_000,
          streamWritesPerSecond: options.streamWritesPerSecond ?? 4,
          logLevel: "debug",
          ...options.relay,
        },
      };
      await writeFile(path.join(stateDir, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
      operator = await relayConnection({ env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken } });
      await operator.connection.waitUntilConnected(60_000);
      pipeline = new Pipeline(convex, home, app, operator, secret, contentKey, deviceToken);
      pipeline.relay = pipeline.spawnRelay();
      await pipeline.waitForRelay();
      return pipeline;
    } catch (error) {
      // A start that fails (say the Gateway is not up in time) leaves no Convex process or temp dir behind.
      if (pipeline) await pipeline.stop().catch(() => {});
      else {
        await operator?.close().catch(() => {});
        await app?.close().catch(() => {});
        await convex.stop();
        await home.cleanup();
      }
      throw error;
    }
  }

  /** Starts `fastclaw-relay run` as its own process, as the service would. */
  spawnRelay(): RelayProcess {
    const child = spawn(process.execPath, [path.join(root, "bin/fastclaw-relay.js"), "run"], {
      env: { PATH: process.env.PATH ?? "", ...this.home.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    this.relay = { child, output: () => output, exited };
    return this.relay;
  }

  async runtime(): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.home.env.FASTCLAW_STATE_DIR!, "runtime.json"), "utf8")) as RuntimeState;
    } catch {
      return undefined;
    }
  }

  /** Until the relay reports both sides connected and the app sees it online. */
  async waitForRelay(timeoutMs = 60_000): Promise<void> {
    await eventually(async () => {
      const state = await this.runtime();
      const status = await this.app.status();
      if (!state?.gateway.connected || !state.convex.connected || !status.relay.online || !status.gateway.connected) {
        throw new Error(`relay not ready: runtime ${JSON.stringify(state?.gateway.connected)} / app ${JSON.stringify(status)}`);
      }
    }, timeoutMs);
  }

  /** Watches a session in the app and records every distinct state of every row. */
  watch(sessionKey: string): { history: AppMessage[][]; stop: () => void } {
    const history: AppMessage[][] = [];
    const stop = this.app.watchMessages(sessionKey, (rows) => history.push(rows));
    return { history, stop };
  }

  async stop(): Promise<void> {
    if (this.relay && this.relay.child.exitCode === null) {
      this.relay.child.kill("SIGTERM");
      await this.relay.exited;
    }
    await this.operator.close();
    await this.app.close();
    await this.convex.stop();
    await this.home.cleanup();
  }
}

/** One pipeline for a test file: started before its tests, stopped after them. */
export function usePipeline(options: PipelineOptions = {}): () => Pipeline {
  let pipeline: Pipeline | undefined;
  beforeAll(async () => {
    pipeline = await Pipeline.start(options);
  }, 120_000);
  afterAll(async () => {
    await pipeline?.stop();
  }, 60_000);
  return () => {
    if (!pipeline) throw new Error("pipeline not started (beforeAll failed?)");
    return pipeline;
  };
}

/** Waits until the app shows a reply in `key` streaming with some text, and returns that row. */
export function streamingReply(pipeline: Pipeline, key: string, timeoutMs = 60_000): Promise<AppMessage> {
  return eventually(async () => {
    const row = (await pipeline.app.allMessages(key)).find((r) => r.role === "assistant" && r.status === "streaming" && r.text.length > 0);
    if (!row) throw new Error("reply not streaming yet");
    return row;
  }, timeoutMs);
}

export function sessionKey(name: string): string {
  return `agent:main:e2e-${name}-${randomBytes(3).toString("hex")}`;
}

export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error(String(last));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The check every bridge test ends with: the Gateway's transcript of a session and the Convex
 * messages of that session match one-to-one (each transcript message is exactly one row, with the
 * same role and text; no row claims a gateway message the transcript lacks; nothing is left
 * streaming). Retries until it holds or `timeoutMs` passes, then fails with the difference.
 */
export async function expectTranscriptMatchesConvex(pipeline: Pipeline, key: string, timeoutMs = 30_000): Promise<AppMessage[]> {
  return eventually(async () => {
    // Whole texts (chat.history cuts at 8,000 characters by default), as far as Convex keeps them.
    const history = await pipeline.operator.connection.chatHistory({ sessionKey: key, limit: 1000, maxChars: LIMITS.textBytes });
    if (history.kind === "reset") throw new Error("chat.history answered reset for a page");
    const transcript = history.entries
      .filter((entry) => ["user", "assistant"].includes(entry.message.role))
      .map((entry) => ({ id: entry.messageId, role: entry.message.role, text: clipBytes(textOf(entry.message.content)) }));
    const rows = await pipeline.app.allMessages(key);
    const problems: string[] = [];
    const byGatewayId = new Map<string, AppMessage[]>();
    for (const row of rows) {
      if (row.status === "streaming") problems.push(`row ${row.messageId} is still streaming`);
      if (!row.gatewayMessageId) continue;
      byGatewayId.set(row.gatewayMessageId, [...(byGatewayId.get(row.gatewayMessageId) ?? []), row]);
    }
    for (const message of transcript) {
      const matches = byGatewayId.get(message.id ?? "") ?? [];
      if (matches.length !== 1) problems.push(`transcript ${message.role} ${message.id} has ${matches.length} Convex rows`);
      else if (matches[0]!.role !== message.role || matches[0]!.text !== message.text) {
        problems.push(`transcript ${message.id} differs: ${JSON.stringify(message.text)} vs ${JSON.stringify(matches[0]!.text)}`);
      }
    }
    const transcriptIds = new Set(transcript.map((message) => message.id));
    for (const row of rows) {
      if (row.gatewayMessageId && !transcriptIds.has(row.gatewayMessageId) && (row.role === "user" || row.role === "assistant")) {
        problems.push(`Convex row ${row.messageId} claims gateway message ${row.gatewayMessageId}, which the transcript lacks`);
      }
      // Rows the transcript may rightly lack: app messages never delivered, replies cut short.
      if ((row.role === "user" || row.role === "assistant") && !row.gatewayMessageId && !["failed", "expired", "aborted", "error"].includes(row.status)) {
        problems.push(`Convex ${row.role} row ${row.messageId} (${row.status}) has no transcript message`);
      }
    }
    if (problems.length > 0) throw new Error(`transcript and Convex differ for ${key}:\n  ${problems.join("\n  ")}`);
    return rows;
  }, timeoutMs, 250);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) =>
      typeof part === "object" && part !== null && (part as { type?: unknown }).type === "text" ? String((part as { text?: unknown }).text ?? "") : "",
    )
    .join("");
}
