/**
 * `fastclaw-relay chat` end to end: the built binary against the local Convex server, a relay process
 * and the shared real Gateway. Pairing goes through the real flow (`pair --json` makes the code, `chat
 * --pair` claims it), then replies, sessions, the interactive chat, and the failures a person meets.
 */
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { spawnLocalConvex, type LocalConvexProcess } from "../../dev/devkit/local-convex-process.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, REGISTRATION_KEY_ENV } from "../../dev/local-convex/registration-key.js";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "../support/gateway-fixture.js";
import { pairingPayload, runRelayCli, startRelayCli, type Background } from "./relay-cli.js";

let convex: LocalConvexProcess;
let home: ThrowawayRelayEnv;
let env: Record<string, string>;
let relay: Background | undefined;
let payload = "";

const deviceFile = () => path.join(env.FASTCLAW_STATE_DIR!, "chat-device.json");

async function eventually<T>(check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** `pair --json` in the background, claimed by `chat --pair`; returns both results. */
async function pairThroughChat(extra: string[] = []) {
  const pair = startRelayCli(["pair", "--json", "--convex-url", convex.url, "--name", "Chat e2e", ...extra], env);
  payload = await pairingPayload(pair);
  // On standard input: never in the process arguments, where other local users could read it.
  const chat = await runRelayCli(["chat", "--pair", "-"], env, { stdin: `${payload}\n` });
  const pairCode = await pair.exited;
  return { chat, pairCode, pairOutput: pair.output() };
}

async function startRelay(): Promise<void> {
  relay = startRelayCli(["run", "--no-log-stdout"], env);
  await eventually(async () => {
    const status = await runRelayCli(["chat", "--status", "--timeout", "5"], env);
    if (status.code !== 0) throw new Error(`relay not ready: ${status.stdout}${status.stderr}\n${relay?.output()}`);
  }, 60_000);
}

beforeAll(async () => {
  convex = await spawnLocalConvex();
  home = await throwawayRelayEnv("fastclaw-chat-e2e-");
  const info = e2eInfo();
  env = {
    ...home.env,
    OPENCLAW_GATEWAY_URL: info.gatewayUrl,
    OPENCLAW_GATEWAY_TOKEN: info.gatewayToken,
    [REGISTRATION_KEY_ENV]: LOCAL_CONVEX_REGISTRATION_KEY,
  };
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  await convex?.stop();
  await home?.cleanup();
}, 30_000);

test("not paired yet: exit 1 saying how to pair", async () => {
  const result = await runRelayCli(["chat", "-m", "hi"], env);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/this chat client is not paired yet/);
  expect(result.stderr).toMatch(/fastclaw-relay pair --json/);
}, 30_000);

test("a malformed pairing payload: exit 1, nothing saved", async () => {
  const result = await runRelayCli(["chat", "--pair", "-"], env, { stdin: "fastclaw://pair?v=1&u=http%3A%2F%2F127.0.0.1%3A9&t=short\n" });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/without a valid token/);
  expect(existsSync(deviceFile())).toBe(false);
}, 30_000);

test("pairs through the real flow: `pair --json` shows the code, `chat --pair` claims it, the token is saved 0600 and never printed", async () => {
  const { chat, pairCode, pairOutput } = await pairThroughChat();
  expect(chat.code).toBe(0);
  expect(chat.stderr).toMatch(/Paired with "Chat e2e"/);
  expect(pairCode).toBe(0);
  expect(pairOutput).toMatch(/"event":"claimed"/);
  expect(statSync(deviceFile()).mode & 0o777).toBe(0o600);
  const saved = JSON.parse(readFileSync(deviceFile(), "utf8")) as { deviceToken: string; convexUrl: string };
  expect(saved.convexUrl).toBe(convex.url);
  const token = new URL(payload).searchParams.get("t")!;
  for (const secret of [saved.deviceToken, token]) expect(`${chat.stdout}${chat.stderr}`).not.toContain(secret);
  expect(chat.stderr).not.toMatch(/warning: the pairing payload was given on the command line/);
}, 60_000);

test("the same pairing code again: exit 1, already used; the saved device is kept", async () => {
  const before = readFileSync(deviceFile(), "utf8");
  const result = await runRelayCli(["chat", "--pair", payload], env);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/already used by another device/);
  // A payload in the arguments is still claimed (at once, using the code up), with a warning saying how to avoid it.
  expect(result.stderr).toMatch(/warning: the pairing payload was given on the command line, where every local user can read it/);
  expect(result.stderr).toMatch(/--pair -/);
  expect(readFileSync(deviceFile(), "utf8")).toBe(before);
}, 30_000);

test("relay not running: --status exits 1 saying so; a message waits and times out with exit 1", async () => {
  const status = await runRelayCli(["chat", "--status"], env);
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(/Relay "Chat e2e" is offline \(never seen online\)/);
  const sent = await runRelayCli(["chat", "-m", "anyone there?", "--timeout", "3", "--session", "offline"], env);
  expect(sent.code).toBe(1);
  expect(sent.stderr).toMatch(/is offline/);
  expect(sent.stderr).toMatch(/no final reply within 3 s: the relay has not picked the message up/);
}, 60_000);

test("with the relay running: a message gets its reply, exit 0 (and the waiting message is delivered too)", async () => {
  await startRelay();
  const result = await runRelayCli(["chat", "-m", "hello chat"], env);
  expect(result).toMatchObject({ code: 0, stdout: "Stub reply to: hello chat\n" });
  // The message sent while the relay was down waited in Convex and was answered once it came up.
  await eventually(async () => {
    const history = await runRelayCli(["chat", "--session", "offline"], env, { stdin: "/history\n" });
    expect(history.stdout).toContain("agent> Stub reply to: anyone there?");
  }, 30_000);
}, 120_000);

test("--session and --json: one JSON object; --sessions lists the session", async () => {
  const result = await runRelayCli(["chat", "-m", "in work", "--session", "work", "--json"], env);
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, phase: "final", sessionKey: "agent:main:work", reply: "Stub reply to: in work", relay: { health: "ok" } });
  const list = await runRelayCli(["chat", "--sessions", "--json"], env);
  expect(list.code).toBe(0);
  const keys = (JSON.parse(list.stdout) as { sessions: Array<{ sessionKey: string }> }).sessions.map((s) => s.sessionKey);
  expect(keys).toEqual(expect.arrayContaining(["agent:main:work", "agent:main:main"]));
}, 60_000);

test("the agent's run fails: exit 1 with the reason", async () => {
  const result = await runRelayCli(["chat", "-m", "please [[fail]]", "--session", "failing"], env);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/the agent's reply failed/);
}, 60_000);

test("interactive chat from a pipe: commands and a reply, then it leaves at the end of input", async () => {
  const result = await runRelayCli(["chat", "--session", "repl"], env, { stdin: "/status\nhello repl\n/sessions\n/quit\n" });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain("agent> Stub reply to: hello repl");
  expect(result.stdout).toMatch(/\[status\] Relay "Chat e2e" is online and connected to its Gateway/);
  expect(result.stdout).toContain("* agent:main:repl");
}, 60_000);

test("Convex unreachable: exit 1 within the timeout, naming the URL", async () => {
  const other = await throwawayRelayEnv("fastclaw-chat-unreachable-");
  try {
    mkdirSync(other.env.FASTCLAW_STATE_DIR!, { recursive: true });
    const saved = JSON.parse(readFileSync(deviceFile(), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(other.env.FASTCLAW_STATE_DIR!, "chat-device.json"), JSON.stringify({ ...saved, convexUrl: "http://127.0.0.1:9" }), { mode: 0o600 });
    const started = Date.now();
    const result = await runRelayCli(["chat", "--status", "--timeout", "2"], other.env);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stderr).toMatch(/asking http:\/\/127\.0\.0\.1:9 for the relay.s status: no answer within 2 s/);
  } finally {
    await other.cleanup();
  }
}, 30_000);

test("re-pairing: `pair --reset` revokes the chat device (exit 1, pair again); a new code pairs it again and chat works", async () => {
  const reset = startRelayCli(["pair", "--reset", "--yes", "--json"], env);
  const resetPayload = await pairingPayload(reset);
  const revoked = await runRelayCli(["chat", "--status"], env);
  expect(revoked.code).toBe(1);
  expect(revoked.stderr).toMatch(/no longer accepts this chat device/);
  // From a private file this time: the other form that keeps the token out of the process table.
  const payloadFile = path.join(home.env.FASTCLAW_STATE_DIR!, "pair-payload.txt");
  writeFileSync(payloadFile, `${resetPayload}\n`, { mode: 0o600 });
  const again = await runRelayCli(["chat", "--pair-file", payloadFile], env);
  expect(again.code).toBe(0);
  expect(again.stderr).not.toMatch(/warning/);
  expect(await reset.exited).toBe(0);
  // The running relay picks the rotated secret up from its config by itself.
  await eventually(async () => {
    const result = await runRelayCli(["chat", "-m", "after reset", "--timeout", "20"], env);
    if (result.code !== 0) throw new Error(`${result.stdout}${result.stderr}`);
    expect(result.stdout).toBe("Stub reply to: after reset\n");
  }, 60_000);
}, 120_000);
