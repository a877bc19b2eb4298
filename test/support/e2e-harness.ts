/** The shared e2e world: one stub model, one real Gateway, and a loopback control server tests use to stop/start it. */
import { mkdtemp, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { startStubModelServer, type StubModelServer } from "../../dev/devkit/stub-model-server.js";
import { createLocalGateway, type LocalGateway } from "../../dev/devkit/local-gateway.js";

/** What test files learn about the shared world (env vars + this JSON file). */
export interface E2eInfo {
  runDir: string;
  gatewayUrl: string;
  gatewayToken: string;
  gatewayPort: number;
  gatewayStateDir: string;
  gatewayLogFile: string;
  gatewayStdioLogFile: string;
  gatewayConfigPath: string;
  stubModelBaseUrl: string;
  controlUrl: string;
}

export const INFO_FILE_ENV = "FASTCLAW_E2E_INFO_FILE";

export interface E2eHarness {
  info: E2eInfo;
  gateway: LocalGateway;
  stub: StubModelServer;
  control: http.Server;
}

/** Serialises control operations: a stop racing a start would leave the Gateway in an unknown state. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}

function startControlServer(gateway: LocalGateway, log: (line: string) => void): Promise<http.Server> {
  const queue = serial();
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const state = () => ({ running: gateway.running, pid: gateway.pid ?? null, url: gateway.url });
    const action = `${req.method} ${req.url}`;
    const ops: Record<string, () => Promise<void>> = {
      "POST /stop": () => gateway.stop(),
      "POST /start": () => gateway.start(),
      "POST /restart": () => gateway.restart(),
      "POST /ensure-running": () => gateway.start(),
    };
    if (action === "GET /state") return reply(200, state());
    const op = ops[action];
    if (!op) return reply(404, { error: `no route ${action}` });
    const started = Date.now();
    queue(op).then(
      () => {
        log(`control: ${action} done in ${Date.now() - started} ms`);
        reply(200, { ...state(), tookMs: Date.now() - started });
      },
      (err: unknown) => reply(500, { ...state(), error: err instanceof Error ? err.message : String(err) }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

export async function startE2eHarness(log: (line: string) => void): Promise<E2eHarness> {
  const runDir = await mkdtemp(path.join(os.tmpdir(), "fastclaw-e2e-"));
  const stub = await startStubModelServer();
  const gateway = await createLocalGateway({
    modelBaseUrl: stub.baseUrl,
    modelId: stub.modelId,
    stateDir: path.join(runDir, "gateway"),
    // A shared 2-core machine under load has taken longer than the default 90 s to start the Gateway.
    readyTimeoutMs: 240_000,
    log,
  });
  const control = await startControlServer(gateway, log);
  const info: E2eInfo = {
    runDir,
    gatewayUrl: gateway.url,
    gatewayToken: gateway.token,
    gatewayPort: gateway.port,
    gatewayStateDir: gateway.stateDir,
    gatewayLogFile: gateway.logFile,
    gatewayStdioLogFile: gateway.stdioLogFile,
    gatewayConfigPath: gateway.configPath,
    stubModelBaseUrl: stub.baseUrl,
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  };
  const infoFile = path.join(runDir, "e2e-info.json");
  await writeFile(infoFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  process.env[INFO_FILE_ENV] = infoFile;
  const harness = { info, gateway, stub, control };
  try {
    await gateway.start();
  } catch (err) {
    await stopE2eHarness(harness);
    throw err;
  }
  return harness;
}

export async function stopE2eHarness(harness: E2eHarness): Promise<void> {
  await new Promise<void>((resolve) => harness.control.close(() => resolve()));
  await harness.gateway.stop();
  await harness.stub.close();
}
