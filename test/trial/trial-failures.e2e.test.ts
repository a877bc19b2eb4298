/**
 * runTrial's own failure paths, in-process with a real local Convex server and a stand-in for the relay
 * binary (the real `pair`, a scripted `run`) and for the Gateway: each is reported, and everything the
 * trial started is stopped.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { LocalConvexProcess } from "../../dev/devkit/local-convex-process.js";
import { spawnLocalConvex } from "../../dev/devkit/local-convex-process.js";
import type { TrialGateway } from "../../dev/trial/gateway-choice.js";
import { runTrial } from "../../dev/trial/trial.js";
import { BIN } from "../chat/relay-cli.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-trialfail-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The real fastclaw-relay for everything but `run`, which does `runBody`. */
function relayStandIn(runBody: string): [string, string] {
  const file = path.join(dir, "relay-stand-in.mjs");
  writeFileSync(
    file,
    `import { spawnSync } from "node:child_process";
const args = process.argv.slice(2);
if (args[0] === "run") { ${runBody} }
else { const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, ...args], { stdio: "inherit" }); process.exit(r.status ?? 1); }
`,
  );
  return [process.execPath, file];
}

function sink() {
  let text = "";
  return { write: (c: string) => void (text += c), text: () => text };
}

async function trialWith(runBody: string, extra: { signal?: AbortSignal; relayReadyMs?: number } = {}) {
  const stderr = sink();
  const stdout = sink();
  let convex: LocalConvexProcess | undefined;
  const gatewayStops: string[] = [];
  const gateway: TrialGateway = {
    url: "ws://127.0.0.1:9",
    token: "t",
    started: true,
    description: "stand-in Gateway",
    stop: async () => void gatewayStops.push("stopped"),
    kill: () => undefined,
  };
  const code = await runTrial(
    { gateway: "local", keep: false, timeoutSeconds: 5, help: false, message: "hi", stateDir: path.join(dir, "trial") },
    {
      env: { PATH: process.env.PATH ?? "", HOME: path.join(dir, "home") },
      stdin: new PassThrough(),
      stdout,
      stderr,
      relayCommand: relayStandIn(runBody),
      signal: extra.signal ?? new AbortController().signal,
      killers: new Set(),
      startGateway: async () => gateway,
      startConvex: async () => (convex = await spawnLocalConvex()),
      ...(extra.relayReadyMs ? { relayReadyMs: extra.relayReadyMs } : {}),
    },
  );
  return { code, stderr: stderr.text(), stdout: stdout.text(), convex, gatewayStops };
}

test("the relay exits before it is ready: exit 1 with its output; Convex and the Gateway stopped; files kept", async () => {
  const run = await trialWith(`console.error("fake relay: configuration unusable"); process.exit(78);`);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/failed: the relay exited \(78\) before it was ready:\nfake relay: configuration unusable/);
  expect(run.convex?.child.exitCode !== null || run.convex?.child.signalCode !== null).toBe(true);
  expect(run.gatewayStops).toEqual(["stopped"]);
  expect(run.stderr).toContain(`Trial files kept in ${path.join(dir, "trial")}`);
  expect(existsSync(path.join(dir, "trial", "relay", "chat-device.json"))).toBe(true);
}, 60_000);

test("the relay never comes online: exit 1 after the wait, saying what the app saw; the relay stopped", async () => {
  const run = await trialWith(`console.log("pretending"); setInterval(() => {}, 1000);`, { relayReadyMs: 2_000 });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/failed: the relay was not ready within 2 s \(Relay "FastClaw trial" is offline \(never seen online\)\.\):\npretending/);
  const pid = Number(/`fastclaw-relay run` \(pid (\d+)\)/.exec(run.stderr)?.[1]);
  expect(() => process.kill(pid, 0)).toThrow();
}, 60_000);

test("interrupted before anything ran: exit 130, Convex stopped", async () => {
  const controller = new AbortController();
  controller.abort();
  const run = await trialWith(`process.exit(0);`, { signal: controller.signal });
  expect(run.code).toBe(130);
  expect(run.stderr).toMatch(/Interrupted\./);
  expect(run.convex?.child.exitCode !== null || run.convex?.child.signalCode !== null).toBe(true);
  expect(run.gatewayStops).toEqual([]);
}, 60_000);
