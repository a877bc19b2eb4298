/**
 * `npm run trial` end to end, pointed at the shared test Gateway (as it would use a person's running
 * Gateway): local Convex, the relay, pairing through `pair --json`, a reply, and everything stopped.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { resolvePairingPayload } from "../../src/chat/pair-payload.js";
import { freeLoopbackPort } from "../../dev/devkit/local-gateway.js";
import { newCredential } from "../../src/pairing/credentials.js";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "../support/gateway-fixture.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface TrialRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function trial(
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string; group?: boolean; onStderr?: (all: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<TrialRun> {
  return new Promise((resolve) => {
    // Through npm, exactly as the README says (--silent keeps npm's own banner off stdout).
    const child = spawn("npm", ["run", "--silent", "trial", "--", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, like a terminal's foreground job.
      detached: options.group === true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
      options.onStderr?.(stderr, child);
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    child.once("exit", (code, signal) => {
      const dir = /Trial files kept in (\S+)\./.exec(stderr)?.[1];
      if (dir) kept.push(dir);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The pids the trial said it started, and whether any is still alive. */
function startedPids(stderr: string): number[] {
  return [...stderr.matchAll(/\(pid (\d+)/g)].map((m) => Number(m[1]));
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let home: ThrowawayRelayEnv;
/** State dirs a failed or interrupted trial kept (on purpose, for a person to look at): removed here. */
const kept: string[] = [];
beforeEach(async () => {
  home = await throwawayRelayEnv("fastclaw-trial-e2e-");
});
afterEach(async () => {
  await home.cleanup();
  await Promise.all(kept.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function gatewayEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const info = e2eInfo();
  // HOME only: the trial must make its own state dir, not use FASTCLAW_STATE_DIR from outside.
  return { HOME: home.env.HOME!, OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken, ...overrides };
}

test("--message: uses the running Gateway, pairs through the real flow, prints the reply, stops everything, exit 0", async () => {
  const run = await trial(["--message", "hello trial"], gatewayEnv({ FASTCLAW_CONVEX_URL: "https://must-not-be-used.example" }));
  expect(run.code).toBe(0);
  expect(run.stdout).toBe("Stub reply to: hello trial\n");
  expect(run.stderr).toContain(`Using your OpenClaw Gateway at ${e2eInfo().gatewayUrl}`);
  expect(run.stderr).toMatch(/Pairing: `fastclaw-relay pair --json` made a one-time code/);
  expect(run.stderr).toMatch(/Paired with "FastClaw trial"/);
  const stateDir = /State: (\S+) \(the trial's own/.exec(run.stderr)?.[1];
  expect(stateDir).toBeDefined();
  expect(stateDir).not.toContain(home.env.HOME!);
  expect(existsSync(stateDir!)).toBe(false); // removed after a good run
  expect(existsSync(path.join(home.env.HOME!, ".openclaw", "fastclaw"))).toBe(false);
  const pids = startedPids(run.stderr);
  expect(pids.length).toBeGreaterThanOrEqual(1);
  for (const pid of pids) expect(alive(pid)).toBe(false);
  expect(run.stderr).toMatch(/Stopped\.\n$/);
}, 180_000);

test("--gateway local, interactive from a pipe: starts its own real Gateway with the stub model, the chat answers, end of input stops it all", async () => {
  // Its own Gateway (and so no idempotency keys remembered from other files' runs); ~1 GB for ~20 s.
  const run = await trial(["--gateway", "local"], { HOME: home.env.HOME! }, { stdin: "hello piped\n/quit\n" });
  // One object, so a failure shows the trial's own account (stderr) too.
  expect(run).toMatchObject({
    code: 0,
    // Its own session: the main session of a person's Gateway is left alone.
    stdout: expect.stringMatching(/Chatting with "FastClaw trial" in session agent:main:fastclaw-trial[\s\S]*agent> Stub reply to: hello piped/),
    stderr: expect.stringMatching(/Starting a trial OpenClaw Gateway \(the real one from the dev dependencies\) with a stub model[\s\S]*Stopped\.\n$/),
  });
  const pids = startedPids(run.stderr);
  expect(pids.length).toBeGreaterThanOrEqual(2); // the trial Gateway and the relay
  for (const pid of pids) expect(alive(pid)).toBe(false);
}, 240_000);

test("Ctrl-C (SIGINT) while chatting stops everything it started and exits 130", async () => {
  let signalled = false;
  const run = await trial([], gatewayEnv(), {
    group: true,
    onStderr: (all, child) => {
      if (!signalled && all.includes("Everything is up")) {
        signalled = true;
        // What a terminal's Ctrl-C does: SIGINT to the foreground process group (npm, node, its children).
        if (child.pid) process.kill(-child.pid, "SIGINT");
      }
    },
  });
  expect(signalled).toBe(true);
  expect(run.stderr).toMatch(/Stopped\./);
  for (const pid of startedPids(run.stderr)) expect(alive(pid)).toBe(false);
  expect(run.code === 130 || run.signal === "SIGINT").toBe(true);
}, 180_000);

test("interactive: the web app's link and QR next to the chat; the link serves the app and pairs a browser", async () => {
  let flow: Promise<string> | undefined;
  const browserSide = async (webUrl: string, child: ReturnType<typeof spawn>): Promise<string> => {
    try {
      const page = await fetch(webUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      // What the page does: the site names the deployment, the fragment holds the token.
      const { convexUrl, pairingToken } = await resolvePairingPayload(webUrl, undefined, 10_000);
      const client = new ConvexClient(convexUrl, { logger: false, unsavedChangesWarning: false });
      try {
        await client.action(makeFunctionReference<"action">("pairing:claim"), { pairingToken, deviceToken: newCredential(), deviceName: "Browser", platform: "web" });
      } finally {
        await client.close();
      }
      return "claimed";
    } catch (error) {
      if (child.pid) process.kill(-child.pid, "SIGINT");
      return String(error);
    }
  };
  let interrupted = false;
  const run = await trial([], gatewayEnv(), {
    group: true,
    onStderr: (all, child) => {
      const webUrl = /open (http:\/\/127\.0\.0\.1:\d+\/pair#v=1&t=\S+) in a browser/.exec(all)?.[1];
      if (webUrl && flow === undefined) flow = browserSide(webUrl, child);
      if (!interrupted && all.includes("A browser paired with the trial")) {
        interrupted = true;
        if (child.pid) process.kill(-child.pid, "SIGINT");
      }
    },
  });
  expect(await flow).toBe("claimed");
  expect(run.stderr).toMatch(/[▀▄█]/); // the QR
  expect(run.stderr).toContain("A browser paired with the trial through the web app.");
  expect(run.stderr).toMatch(/Stopped\./);
  for (const pid of startedPids(run.stderr)) expect(alive(pid)).toBe(false);
}, 180_000);

test("--gateway existing with nothing listening: exit 1 saying so, no Gateway started", async () => {
  const port = await freeLoopbackPort();
  const run = await trial(["--gateway", "existing", "--message", "hi"], gatewayEnv({ OPENCLAW_GATEWAY_URL: `ws://127.0.0.1:${port}` }));
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`No OpenClaw Gateway answers at ws://127.0.0.1:${port}`);
  expect(run.stderr).not.toMatch(/Starting a trial OpenClaw Gateway/);
  expect(run.stderr).toMatch(/Trial files kept in/);
}, 60_000);

test("--gateway existing with a wrong token: exit 1, the Gateway's refusal and what to set", async () => {
  const run = await trial(["--gateway", "existing", "--message", "hi"], gatewayEnv({ OPENCLAW_GATEWAY_TOKEN: "wrong-token-0123456789" }));
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/refused the trial \(/);
  expect(run.stderr).toMatch(/OPENCLAW_GATEWAY_TOKEN/);
}, 60_000);

test("a usage error: exit 2 with the usage", async () => {
  const run = await trial(["--gateway", "bogus"], gatewayEnv());
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--gateway must be auto, existing or local/);
  expect(run.stderr).toMatch(/usage: npm run trial/);
}, 60_000);
