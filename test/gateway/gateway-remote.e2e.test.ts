/** Real Gateway behind a TLS terminator and with competing credentials: pinning, trust, and which token the relay sends. */
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stubReplyFor } from "../../dev/devkit/stub-model-server.js";
import { formatFingerprint } from "../../src/gateway/gateway-transport.js";
import { transcriptText, type ExplicitGatewaySettings, type TranscriptMessage } from "../../src/gateway/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "../support/gateway-fixture.js";
import { relayConnection, type RelayUnderTest } from "../support/relay-connection.js";
import { startTlsTerminator, type TlsTerminator } from "../support/tls-terminator.js";

let terminator: TlsTerminator;
const open: Array<{ relay?: RelayUnderTest; home: ThrowawayRelayEnv }> = [];

beforeAll(async () => {
  terminator = await startTlsTerminator({ host: "127.0.0.1", port: e2eInfo().gatewayPort });
}, 60_000);

afterEach(async () => {
  for (const { relay, home } of open.splice(0)) {
    await relay?.close();
    await home.cleanup();
  }
});

afterAll(async () => {
  await terminator?.close();
});

/** A relay whose OpenClaw config (a throwaway openclaw.json) is `config`; `env` adds to its environment. */
async function relayWith(config: unknown, env: Record<string, string> = {}, explicit?: ExplicitGatewaySettings) {
  const home = await throwawayRelayEnv("fastclaw-remote-");
  const slot: { relay?: RelayUnderTest; home: ThrowawayRelayEnv } = { home };
  open.push(slot);
  const configPath = path.join(home.dir, "openclaw.json");
  await writeFile(configPath, JSON.stringify(config));
  const log = captureLogger();
  slot.relay = await relayConnection({ home, env: { OPENCLAW_CONFIG_PATH: configPath, ...env }, logger: log.logger, ...(explicit ? { explicit } : {}) });
  return { relay: slot.relay, log };
}

const remote = (remoteSection: Record<string, unknown>, auth?: Record<string, unknown>) => ({
  gateway: { mode: "remote", ...(auth ? { auth } : {}), remote: remoteSection },
});

describe("wss:// through a TLS terminator with a self-signed certificate", () => {
  test("the right pin connects and chats end to end", async () => {
    const { relay } = await relayWith(remote({ url: terminator.url, token: e2eInfo().gatewayToken, tlsFingerprint: formatFingerprint(terminator.fingerprint) }));
    const hello = await relay.connection.waitUntilConnected(90_000);
    expect(hello.url).toBe(terminator.url);
    const idempotencyKey = randomUUID();
    await relay.connection.chatSend({ sessionKey: `e2e-tls-${idempotencyKey.slice(0, 8)}`, message: "hello over tls", idempotencyKey });
    const final = await relay.waitFor("chat", (e) => e.runId === idempotencyKey && e.state === "final", 90_000);
    const message = "message" in final ? (final.message as TranscriptMessage) : undefined;
    expect(message && transcriptText(message)).toBe(stubReplyFor("hello over tls"));
  }, 200_000);

  test("a cut wss:// connection is reconnected as on loopback", async () => {
    const { relay } = await relayWith(remote({ url: terminator.url, token: e2eInfo().gatewayToken, tlsFingerprint: terminator.fingerprint }));
    await relay.connection.waitUntilConnected(90_000);
    const from = relay.events.length;
    terminator.dropAll();
    await relay.waitFor("disconnected", (d) => d.wasConnected, 60_000, from);
    await relay.waitFor("connected", undefined, 90_000, from);
  }, 200_000);

  test("a wrong pin is refused, naming the expected and the actual fingerprint", async () => {
    const wrong = "5a".repeat(32);
    const { relay, log } = await relayWith(remote({ url: terminator.url, token: e2eInfo().gatewayToken, tlsFingerprint: wrong }));
    const refused = await relay.waitFor("disconnected", (d) => d.code === "TLS_FINGERPRINT_MISMATCH", 90_000);
    expect(refused.reason).toContain(`expected sha256 ${formatFingerprint(wrong)}`);
    expect(refused.reason).toContain(`got sha256 ${formatFingerprint(terminator.fingerprint)}`);
    expect(relay.all("connected")).toEqual([]);
    expect(log.lines.some((l) => l.level === "error" && l.message.includes("TLS_FINGERPRINT_MISMATCH") && l.message.includes("tlsFingerprint"))).toBe(true);
  }, 120_000);

  test("no pin and an untrusted certificate is refused with a hint about tlsFingerprint", async () => {
    const { relay, log } = await relayWith(remote({ url: terminator.url, token: e2eInfo().gatewayToken }));
    const refused = await relay.waitFor("disconnected", (d) => d.code === "TLS_CERT_UNTRUSTED", 90_000);
    expect(refused.reason).toContain("not trusted");
    expect(relay.all("connected")).toEqual([]);
    const line = log.lines.find((l) => l.level === "error" && l.message.includes("TLS_CERT_UNTRUSTED"));
    expect(line?.message).toContain("gateway.remote.tlsFingerprint");
  }, 120_000);
});

// The Gateway accepts only the right token; the competing one is wrong, so connecting proves which one was sent.
const WRONG = "wrong-token-0123456789-abcdefghijklmnop";
type Row = [string, () => { config: unknown; env?: Record<string, string>; explicit?: ExplicitGatewaySettings }];
const rows: Row[] = [
  ["local 1: OPENCLAW_GATEWAY_TOKEN over gateway.auth.token", () => ({ config: { gateway: { port: e2eInfo().gatewayPort, auth: { token: WRONG } } }, env: { OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken } })],
  ["local 2: gateway.auth.token over gateway.remote.token", () => ({ config: { gateway: { port: e2eInfo().gatewayPort, auth: { token: e2eInfo().gatewayToken }, remote: { token: WRONG } } } })],
  ["local 3: gateway.remote.token when no local token is set", () => ({ config: { gateway: { port: e2eInfo().gatewayPort, remote: { token: e2eInfo().gatewayToken } } } })],
  ["remote 1: gateway.remote.token over OPENCLAW_GATEWAY_TOKEN", () => ({ config: remote({ url: e2eInfo().gatewayUrl, token: e2eInfo().gatewayToken }), env: { OPENCLAW_GATEWAY_TOKEN: WRONG } })],
  ["remote 2: OPENCLAW_GATEWAY_TOKEN over gateway.auth.token", () => ({ config: remote({ url: e2eInfo().gatewayUrl }, { token: WRONG }), env: { OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken } })],
  ["remote 3: gateway.auth.token last", () => ({ config: remote({ url: e2eInfo().gatewayUrl }, { token: e2eInfo().gatewayToken }) })],
  ["explicit token over every other source", () => ({ config: remote({ url: e2eInfo().gatewayUrl, token: WRONG }), env: { OPENCLAW_GATEWAY_TOKEN: WRONG }, explicit: { token: e2eInfo().gatewayToken } })],
  ["OPENCLAW_GATEWAY_URL takes OPENCLAW_GATEWAY_TOKEN, not the file's", () => ({ config: remote({ url: "wss://elsewhere.invalid", token: WRONG }), env: { OPENCLAW_GATEWAY_URL: e2eInfo().gatewayUrl, OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken } })],
];

describe("credential precedence against a Gateway that accepts only one of the competing tokens", () => {
  test.each(rows)("%s", async (_name, row) => {
    const { config, env, explicit } = row();
    const { relay } = await relayWith(config, env, explicit);
    await relay.connection.waitUntilConnected(90_000);
  }, 120_000);

  test("the wrong token in the winning place is refused (the Gateway really checks)", async () => {
    const { relay } = await relayWith(remote({ url: e2eInfo().gatewayUrl, token: WRONG }), { OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken });
    await expect(relay.connection.waitUntilConnected(90_000)).rejects.toMatchObject({ code: expect.stringMatching(/^AUTH_/) });
  }, 120_000);

  test("an explicit URL sends none of the implicit credentials", async () => {
    const { relay } = await relayWith(remote({ url: e2eInfo().gatewayUrl, token: e2eInfo().gatewayToken }), { OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken }, { url: e2eInfo().gatewayUrl });
    await expect(relay.connection.waitUntilConnected(90_000)).rejects.toMatchObject({ code: expect.stringMatching(/^AUTH_/) });
  }, 120_000);
});
