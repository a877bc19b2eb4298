/** Runs the real OpenClaw Gateway from the `openclaw` devDependency: throwaway state, own token, stub model. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { probeGatewayConnect } from "./gateway-probe.js";

export interface LocalGatewayOptions {
  /** The stub (or any OpenAI-compatible) model: `http://127.0.0.1:<port>/v1`. */
  modelBaseUrl: string;
  modelId?: string;
  /** Fixed port; default: a free loopback port chosen once and kept across restarts. */
  port?: number;
  /** Existing state dir to reuse; default: a new dir under os.tmpdir(). */
  stateDir?: string;
  token?: string;
  /** How long to wait for the first hello-ok after spawn (it takes 8–9 s on an idle machine). */
  readyTimeoutMs?: number;
  /** Repo root holding node_modules/openclaw; default: found by walking up from this file. */
  repoRoot?: string;
  /** Extra env for the gateway process. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

const OPENCLAW_MIN_NODE: [number, number] = [24, 16];

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, "node_modules", "openclaw", "openclaw.mjs"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`local-gateway: no node_modules/openclaw above ${start}; run npm ci`);
    dir = parent;
  }
}

/** The Gateway needs Node >=24.16: this process's node if it qualifies, else the devDependency's. */
export function gatewayNodeBinary(repoRoot: string): string {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major === OPENCLAW_MIN_NODE[0] && minor >= OPENCLAW_MIN_NODE[1]) return process.execPath;
  if (major >= 26) return process.execPath;
  const bundled = path.join(repoRoot, "node_modules", ".bin", "node");
  if (!existsSync(bundled)) {
    throw new Error(`local-gateway: this is Node ${process.version} and ${bundled} is missing; the Gateway needs Node >=24.16 (npm ci installs it)`);
  }
  return bundled;
}

export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalGateway {
  readonly port: number;
  readonly url: string;
  readonly token: string;
  readonly stateDir: string;
  readonly configPath: string;
  /** The Gateway's own log (config `logging.file`). */
  readonly logFile: string;
  /** Its stdout and stderr, appended across restarts. */
  readonly stdioLogFile: string;
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> | undefined;
  private readonly nodeBinary: string;
  private readonly openclawEntry: string;
  private readonly readyTimeoutMs: number;
  private readonly extraEnv: Record<string, string>;
  private readonly log: (line: string) => void;

  constructor(params: { port: number; token: string; stateDir: string; repoRoot: string; readyTimeoutMs: number; env: Record<string, string>; log: (line: string) => void }) {
    this.port = params.port;
    this.url = `ws://127.0.0.1:${params.port}`;
    this.token = params.token;
    this.stateDir = params.stateDir;
    this.configPath = path.join(params.stateDir, "openclaw.json");
    this.logFile = path.join(params.stateDir, "logs", "gateway.log");
    this.stdioLogFile = path.join(params.stateDir, "logs", "gateway-stdio.log");
    this.nodeBinary = gatewayNodeBinary(params.repoRoot);
    this.openclawEntry = path.join(params.repoRoot, "node_modules", "openclaw", "openclaw.mjs");
    this.readyTimeoutMs = params.readyTimeoutMs;
    this.extraEnv = params.env;
    this.log = params.log;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Spawns the Gateway and resolves once a `connect` gets hello-ok. */
  async start(): Promise<void> {
    if (this.running) return;
    const env: Record<string, string> = {};
    // Inherit PATH and the like, never the caller's OpenClaw settings (they'd point at a real install).
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith("OPENCLAW_") && key !== "NODE_OPTIONS") env[key] = value;
    }
    Object.assign(env, {
      HOME: path.join(this.stateDir, "home"),
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_SKIP_CHANNELS: "1",
      OPENCLAW_NO_RESPAWN: "1",
      OPENCLAW_EXEC_SHELL_SNAPSHOT: "0",
      OPENCLAW_NO_AUTO_UPDATE: "1",
      ...this.extraEnv,
    });
    mkdirSync(path.dirname(this.stdioLogFile), { recursive: true });
    const stdio = openSync(this.stdioLogFile, "a");
    const started = Date.now();
    const child = spawn(
      this.nodeBinary,
      [this.openclawEntry, "gateway", "run", "--port", String(this.port), "--bind", "loopback"],
      { env, stdio: ["ignore", stdio, stdio], cwd: this.stateDir },
    );
    closeSync(stdio);
    this.child = child;
    this.exitPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.once("exit", (code, signal) => this.log(`gateway pid ${child.pid} exited (${code ?? signal})`));
    this.log(`gateway pid ${child.pid} spawned on ${this.url}`);

    const deadline = started + this.readyTimeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`local-gateway: the gateway exited (${child.exitCode ?? child.signalCode}) before it was ready; ${await this.tail()}`);
      }
      const result = await probeGatewayConnect(this.url, this.token, 5000);
      if (result.ok) {
        this.log(`gateway ready after ${Date.now() - started} ms (server ${result.serverVersion}, protocol ${result.protocol})`);
        return;
      }
      last = `${result.code}: ${result.message}`;
      // UNAVAILABLE during startup sidecars carries retryAfterMs (500); a closed port just needs a moment.
      await sleep(result.retryAfterMs ?? 250);
    }
    await this.stop();
    throw new Error(`local-gateway: not ready after ${this.readyTimeoutMs} ms (last: ${last}); ${await this.tail()}`);
  }

  /** SIGTERM, then wait for the process to exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 15000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.exitPromise!.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!exited) {
      this.log(`gateway pid ${child.pid} ignored SIGTERM for ${graceMs} ms; SIGKILL`);
      child.kill("SIGKILL");
      await this.exitPromise;
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async tail(): Promise<string> {
    const text = await readFile(this.stdioLogFile, "utf8").catch(() => "");
    return `last output (${this.stdioLogFile}):\n${text.split("\n").slice(-30).join("\n")}`;
  }
}

/** Writes a minimal config (stub provider, token auth, heartbeat off) and starts the Gateway. */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const gateway = await createLocalGateway(options);
  await gateway.start();
  return gateway;
}

/** Like startLocalGateway without starting it. */
export async function createLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const repoRoot = options.repoRoot ?? findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), "fastclaw-gw-")));
  const port = options.port ?? (await freeLoopbackPort());
  const token = options.token ?? randomBytes(24).toString("hex");
  const modelId = options.modelId ?? "stub-model";
  mkdirSync(path.join(stateDir, "home"), { recursive: true });
  mkdirSync(path.join(stateDir, "workspace"), { recursive: true });
  mkdirSync(path.join(stateDir, "logs"), { recursive: true });
  const config = {
    gateway: { mode: "local", bind: "loopback", port, auth: { mode: "token", token } },
    update: { checkOnStart: false },
    logging: { file: path.join(stateDir, "logs", "gateway.log") },
    agents: {
      defaults: {
        workspace: path.join(stateDir, "workspace"),
        heartbeat: { every: "0m" },
        model: { primary: `stub/${modelId}` },
      },
    },
    models: {
      mode: "merge",
      providers: {
        stub: {
          baseUrl: options.modelBaseUrl,
          apiKey: "stub-key",
          api: "openai-completions",
          models: [
            {
              id: modelId,
              name: "Stub model",
              reasoning: false,
              input: ["text", "image"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128000,
              maxTokens: 4096,
            },
          ],
        },
      },
    },
  };
  const configPath = path.join(stateDir, "openclaw.json");
  if (!existsSync(configPath)) writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return new LocalGateway({
    port,
    token,
    stateDir,
    repoRoot,
    readyTimeoutMs: options.readyTimeoutMs ?? 90000,
    env: options.env ?? {},
    log: options.log ?? (() => {}),
  });
}
