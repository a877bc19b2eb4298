/** Runs `fastclaw-relay run` as its own process, as the service would, in a throwaway state dir. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MAX_CONCURRENT_SESSIONS_SETTING } from "../src/bridge/session-slots.js";
import { commandLine } from "../src/service/render.js";
import { buildServiceSpec, RELAY_NODE_ARGS } from "../src/service/spec.js";
import { memoryMiB } from "./proc-stats.js";
import { repoRoot } from "./repo-root.js";
import { waitUntil } from "./timing.js";
import type { World } from "./world.js";

export interface RelayOptions {
  gatewayUrl: string;
  gatewayToken: string;
  streamWritesPerSecond?: number;
  /** Node flags for this relay instead of relayNodeArgs() (the CPU phase compares flag sets in one run). */
  nodeArgs?: readonly string[];
}

export interface RelayProcess {
  child: ChildProcess;
  pid: number;
  stateDir: string;
  output(): string;
  rssMiB(): number;
  /** Until the relay has connected both sides and caught up (its outbox is open). */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The node flags the relay runs with: the installed service's, unless BENCH_RELAY_NODE_ARGS (space-separated) says otherwise. */
export function relayNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.BENCH_RELAY_NODE_ARGS;
  return override === undefined ? [...RELAY_NODE_ARGS] : override.split(/\s+/).filter((arg) => arg.length > 0);
}

/**
 * The relay is started with the command line the service unit has (node flags included).
 * BENCH_RELAY_NODE_OPTIONS is passed to the relay as NODE_OPTIONS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`), so a profile is taken under exactly the load the bench makes.
 */
export async function startRelay(world: World, options: RelayOptions): Promise<RelayProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-bench-relay-"));
  const stateDir = path.join(dir, "state");
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const config = {
    convexUrl: world.convex.url,
    instanceId: world.instanceId,
    instanceSecret: world.secret,
    contentKey: world.contentKey,
    instanceName: "bench relay",
    gateway: { url: options.gatewayUrl, token: options.gatewayToken },
    relay: {
      // The bench offers hundreds of sessions at once to measure the relay, not the cap that protects a Gateway.
      maxConcurrentSessions: MAX_CONCURRENT_SESSIONS_SETTING,
      ...(options.streamWritesPerSecond !== undefined ? { streamWritesPerSecond: options.streamWritesPerSecond } : {}),
    },
  };
  await writeFile(path.join(stateDir, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  // Exactly what `fastclaw-relay install` would write for this state dir: command line and environment.
  const spec = buildServiceSpec(
    { env: { HOME: path.join(dir, "home"), FASTCLAW_STATE_DIR: stateDir }, platform: process.platform, nodePath: process.execPath, entryPath: path.join(repoRoot, "bin/fastclaw-relay.js") },
    ["run"],
  );
  spec.nodeArgs = options.nodeArgs ? [...options.nodeArgs] : relayNodeArgs();
  const env: Record<string, string> = Object.fromEntries(spec.environment);
  if (process.env.BENCH_RELAY_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_RELAY_NODE_OPTIONS;
  const [command, ...args] = commandLine(spec);
  const child = spawn(command!, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-20_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const logFile = path.join(stateDir, "logs", "relay.log");
  return {
    child,
    pid: child.pid!,
    stateDir,
    output: () => output,
    rssMiB: () => memoryMiB(child.pid!)?.rss ?? Number.NaN,
    waitReady: async (timeoutMs = 60_000) => {
      await waitUntil(
        "the relay to catch up",
        async () => {
          if (child.exitCode !== null) throw new Error(`relay exited (${child.exitCode}):\n${output}`);
          const log = await readFile(logFile, "utf8").catch(() => "");
          return log.includes("gateway caught up");
        },
        timeoutMs,
        25,
      );
      await waitUntil("the app to see the relay online", async () => (await world.app.status()).gateway.connected, timeoutMs, 50);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
