/** `status`: Label: value lines, hints on stderr, --json without secrets, --require-healthy. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { systemdUnitPath } from "../../src/service/systemd.js";
import path from "node:path";
import { writeRuntimeState, type RuntimeState } from "../../src/runtime/runtime-state.js";
import { GATEWAY_TOKEN, makeSandbox, recorder, SECRET, type Sandbox } from "../service/helpers.js";
import { cli, writeConfig } from "./cli-helpers.js";

let box: Sandbox;
let server: http.Server;
let convexUrl: string;
const seenSecrets: string[] = [];

beforeAll(async () => {
  // Just enough of Convex's HTTP query API for relay:info.
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { path: fn, args } = JSON.parse(body) as { path: string; args: Array<{ relaySecret: string }> };
      seenSecrets.push(args[0]!.relaySecret);
      res.setHeader("content-type", "application/json");
      if (fn === "relay:info" && args[0]!.relaySecret === SECRET) {
        res.end(
          JSON.stringify({
            status: "success",
            value: { instanceId: "inst1", name: "Desk", pairedDevices: 2, pendingPairing: false },
            logLines: [],
          }),
        );
      } else {
        res.statusCode = 560;
        res.end(
          JSON.stringify({
            status: "error",
            errorMessage: "unauthorized",
            errorData: { code: "UNAUTHORIZED", message: "unauthorized" },
            logLines: [],
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  convexUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

/** systemctl answering as for a running unit whose main pid is this test process. */
function runningUnit() {
  return recorder((_c, args) =>
    args[1] === "show"
      ? {
          stdout: `LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nMainPID=${process.pid}\nActiveEnterTimestamp=@${Math.floor(Date.now() / 1000) - 125}\nNRestarts=1\nExecMainStatus=0`,
        }
      : undefined,
  );
}

function writeUnitFile(): void {
  mkdirSync(path.dirname(systemdUnitPath(box.env)), { recursive: true });
  writeFileSync(systemdUnitPath(box.env), "[Service]\n");
}

function runtimeState(overrides: Partial<RuntimeState> = {}): RuntimeState {
  return {
    pid: process.pid,
    startedAt: Date.now() - 125_000,
    updatedAt: Date.now(),
    relayVersion: "0.1.0",
    gateway: {
      url: "ws://127.0.0.1:18789",
      connected: true,
      serverVersion: "2026.9.6",
      protocol: 3,
      scopes: ["operator.read", "operator.write"],
    },
    convex: { url: convexUrl, connected: true, spooledWrites: 0 },
    ...overrides,
  };
}

test("nothing set up: not paired, not installed — exit 0, hints on stderr; --require-healthy exits 1", async () => {
  const rec = recorder((_c, args) =>
    args[1] === "show" ? { stdout: "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0" } : undefined,
  );
  const result = await cli(["status"], { env: box.env, runner: rec.runner });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Service: +systemd user unit fastclaw-relay.service: not installed$/m);
  expect(result.stdout).toMatch(/^Runtime: +not running$/m);
  expect(result.stdout).toMatch(/^Pairing: +not paired$/m);
  expect(result.stdout).toMatch(/^Logs: +.*relay\.log \(not written yet\)/m);
  expect(result.stderr).toContain("run `fastclaw-relay pair`");
  expect(result.stderr).toContain("fastclaw-relay install");
  expect((await cli(["status", "--require-healthy"], { env: box.env, runner: rec.runner })).code).toBe(1);
});

test("healthy: pid, uptime, restarts, gateway version and scopes, Convex reachable, paired devices", async () => {
  writeConfig(box, { convexUrl, instanceSecret: SECRET, instanceId: "inst1", gateway: { token: GATEWAY_TOKEN } });
  mkdirSync(box.stateDir, { recursive: true });
  await writeRuntimeState(path.join(box.stateDir, "runtime.json"), runtimeState());
  writeUnitFile();
  const result = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`^Runtime: +running \\(pid ${process.pid}, up 2m \\d+s, 1 restart\\)$`, "m"));
  expect(result.stdout).toMatch(/^Service: +systemd user unit fastclaw-relay.service: installed, enabled, active \(running\)$/m);
  expect(result.stdout).toMatch(
    /^Gateway: +connected to ws:\/\/127.0.0.1:18789 \(OpenClaw 2026.9.6, protocol 3; scopes operator.read, operator.write\)$/m,
  );
  expect(result.stdout).toMatch(new RegExp(`^Convex: +reachable — ${convexUrl}; relay connected$`, "m"));
  expect(result.stdout).toMatch(/^Pairing: +instance inst1 "Desk"; 2 paired devices$/m);
  expect(result.stdout).toMatch(/^Health: +ok$/m);
  expect(result.stdout).not.toContain(SECRET);
});

test("--json holds the same data and no secret, even when an error message contains one", async () => {
  writeConfig(box, { convexUrl, instanceSecret: SECRET, gateway: { token: GATEWAY_TOKEN, password: "pw-Secret-0000" } });
  await writeRuntimeState(
    path.join(box.stateDir, "runtime.json"),
    runtimeState({ lastError: { message: `gateway rejected token ${GATEWAY_TOKEN} and pw-Secret-0000`, at: Date.now() } }),
  );
  const result = await cli(["status", "--json"], { env: box.env, runner: runningUnit().runner });
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(report).toMatchObject({
    healthy: true,
    pairing: { pairedDevices: 2, instanceName: "Desk" },
    runtime: { pid: process.pid, running: true },
    gateway: { connected: true },
  });
  for (const secret of [SECRET, GATEWAY_TOKEN, "pw-Secret-0000"]) expect(result.stdout).not.toContain(secret);
  expect(result.stdout).toContain("[redacted]");
  expect(seenSecrets).toContain(SECRET); // it was used, towards Convex only
});

test("relay not running after exit 78: says so and how to recover; --require-healthy exits 1", async () => {
  writeConfig(box);
  writeUnitFile();
  const rec = recorder((_c, args) =>
    args[1] === "show"
      ? {
          stdout:
            "LoadState=loaded\nUnitFileState=enabled\nActiveState=failed\nSubState=failed\nMainPID=0\nExecMainStatus=78\nNRestarts=0",
        }
      : undefined,
  );
  const result = await cli(["status", "--require-healthy"], { env: box.env, runner: rec.runner });
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/failed \(failed\), exit status 78/);
  expect(result.stdout).toMatch(/^Runtime: +not running, last exit status 78$/m);
  expect(result.stderr).toMatch(/configuration is unusable \(exit 78\)/);
});

test("Convex unreachable and a rejected secret are each reported, not hidden", async () => {
  writeConfig(box, { convexUrl: "http://127.0.0.1:9", instanceSecret: SECRET });
  const down = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(down.code).toBe(1);
  expect(down.stdout).toMatch(/^Convex: +unreachable \(.+\) — http:\/\/127.0.0.1:9$/m);
  writeConfig(box, { convexUrl, instanceSecret: "W".repeat(43) });
  const rejected = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(rejected.code).toBe(1);
  expect(rejected.stdout).toMatch(/Convex rejected this relay's instance secret/);
});

test("a broken config: status still reports (exit 0) and names the file and key", async () => {
  writeConfig(box, '{"relay": {"logLevel": "loud"}}');
  const result = await cli(["status"], { env: box.env, runner: runningUnit().runner });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Config: +invalid: .*config\.json: `relay\.logLevel` must be one of/m);
  expect((await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner })).code).toBe(1);
});

test("gateway down while the relay runs is a problem with a hint", async () => {
  writeConfig(box, { convexUrl, instanceSecret: SECRET });
  await writeRuntimeState(
    path.join(box.stateDir, "runtime.json"),
    runtimeState({
      gateway: { url: "ws://127.0.0.1:18789", connected: false, lastError: { message: "ECONNREFUSED", at: Date.now() } },
    }),
  );
  const result = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/^Gateway: +not connected to ws:\/\/127.0.0.1:18789 \(ECONNREFUSED\)$/m);
  expect(result.stdout).toMatch(/^Last error: +\S+ ECONNREFUSED$/m);
  expect(result.stderr).toContain("openclaw gateway status");
});

test("a spool that can't be written is a problem in the Convex line, --json and --require-healthy", async () => {
  writeConfig(box, { convexUrl, instanceSecret: SECRET });
  const since = Date.parse("2026-12-04T10:00:00.000Z");
  await writeRuntimeState(
    path.join(box.stateDir, "runtime.json"),
    runtimeState({
      convex: {
        url: convexUrl,
        connected: false,
        spooledWrites: 0,
        spool: { state: "failing", heldWrites: 3, failure: { operation: "write", code: "ENOSPC", message: "ENOSPC: no space left on device, write", since, attempts: 9 } },
      },
    }),
  );
  const result = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(
    new RegExp(`^Convex: +reachable — ${convexUrl}; relay not connected; spool failing: cannot write \\(ENOSPC since 2026-12-04T10:00:00.000Z\\), 3 writes held in memory$`, "m"),
  );
  expect(result.stdout).toMatch(/^Health: +problems: spool failing: cannot write \(ENOSPC/m);
  expect(result.stderr).toContain("is the disk full?");
  const json = JSON.parse((await cli(["status", "--json"], { env: box.env, runner: runningUnit().runner })).stdout) as Record<string, unknown>;
  expect(json).toMatchObject({ healthy: false, convex: { spool: { state: "failing", heldWrites: 3, failure: { code: "ENOSPC" } } } });
});

test("no user manager: Service says unknown with the reason, and the hint goes to stderr", async () => {
  const rec = recorder(() => ({ code: 1, stderr: "Failed to connect to bus: No medium found" }));
  const result = await cli(["status"], { env: box.env, runner: rec.runner });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Service: +.*unknown \(.*Failed to connect to bus/m);
  expect(result.stderr).toContain("XDG_RUNTIME_DIR");
});

test("cron control: off with the reason (and still healthy), or on, as the running relay reports it; in --json too", async () => {
  writeConfig(box, { convexUrl, instanceSecret: SECRET, instanceId: "inst1" });
  writeUnitFile();
  const off = { cronControl: { enabled: false, reason: "the Gateway did not grant operator.admin" } };
  await writeRuntimeState(path.join(box.stateDir, "runtime.json"), runtimeState({ features: off }));
  const result = await cli(["status", "--require-healthy"], { env: box.env, runner: runningUnit().runner });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Cron control: +off: the Gateway did not grant operator.admin$/m);
  const json = await cli(["status", "--json"], { env: box.env, runner: runningUnit().runner });
  expect(JSON.parse(json.stdout).features).toEqual(off);
  await writeRuntimeState(path.join(box.stateDir, "runtime.json"), runtimeState({ features: { cronControl: { enabled: true } } }));
  const on = await cli(["status"], { env: box.env, runner: runningUnit().runner });
  expect(on.stdout).toMatch(/^Cron control: +on \(the app may run and enable\/disable jobs\)$/m);
});
