/** Real Gateway: connect with scopes, a stable device identity across processes, and auth failure without a storm. */
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { statePaths } from "../../src/config/paths.js";
import { GatewayAuthError, type GatewayClientLike } from "../../src/gateway/index.js";
import { createOfficialGatewayClient } from "../../src/gateway/gateway-client-factory.js";
import { e2eInfo, throwawayRelayEnv } from "../support/gateway-fixture.js";
import { relayConnection } from "../support/relay-connection.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const loader = path.join(here, "..", "support", "ts-loader.mjs");
const childScript = path.join(here, "..", "support", "connect-child.ts");

function runChild(env: Record<string, string>): Promise<{ ok: boolean; deviceId: string; scopes?: string[]; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", loader, childScript], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as { ok: boolean; deviceId: string });
      } catch {
        reject(new Error(`child exited ${code} without a result; stdout: ${out}; stderr: ${err}`));
      }
    });
  });
}

describe("connect to the real Gateway", () => {
  test("hello-ok grants operator.read and operator.write; the device id survives a process restart", async () => {
    const info = e2eInfo();
    const home = await throwawayRelayEnv();
    try {
      const env = { ...home.env, OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken };
      const first = await runChild(env);
      expect(first).toMatchObject({ ok: true, scopes: expect.arrayContaining(["operator.read", "operator.write"]) });
      const identityFile = statePaths(env).deviceIdentityFile;
      const fileBefore = await readFile(identityFile, "utf8");
      expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(identityFile))).mode & 0o777).toBe(0o700);

      const second = await runChild(env);
      expect(second.ok).toBe(true);
      expect(second.deviceId).toBe(first.deviceId);
      expect(second.deviceId).toMatch(/^[0-9a-f]{64}$/);
      expect(await readFile(identityFile, "utf8")).toBe(fileBefore);
    } finally {
      await home.cleanup();
    }
  }, 120_000);

  test("in-process: connected event carries hello info; requests work", async () => {
    const info = e2eInfo();
    const relay = await relayConnection({ env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken } });
    try {
      const hello = await relay.connection.waitUntilConnected(60_000);
      expect(hello.scopes).toEqual(expect.arrayContaining(["operator.read", "operator.write"]));
      expect(hello.protocol).toBeGreaterThanOrEqual(3);
      expect(hello.deviceId).toBe(relay.connection.deviceId);
      const list = await relay.connection.sessionsList();
      expect(Array.isArray(list.sessions)).toBe(true);
    } finally {
      await relay.close();
    }
  }, 120_000);

  test("a wrong token fails with AUTH_TOKEN_MISMATCH and is not retried in a loop", async () => {
    const info = e2eInfo();
    let attempts = 0;
    const countingFactory = (opts: Parameters<typeof createOfficialGatewayClient>[0]): GatewayClientLike => {
      attempts += 1;
      return createOfficialGatewayClient(opts);
    };
    const relay = await relayConnection({
      env: { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: "definitely-not-the-token" },
      overrides: { createClient: countingFactory },
    });
    try {
      const failure = await relay.connection.waitUntilConnected(30_000).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(GatewayAuthError);
      expect((failure as GatewayAuthError).code).toBe("AUTH_TOKEN_MISMATCH");
      expect((failure as GatewayAuthError).message).toContain("OPENCLAW_GATEWAY_TOKEN");
      const authFailed = await relay.waitFor("auth-failed");
      expect(authFailed.retryInMs).toBeGreaterThanOrEqual(60_000);
      expect(relay.connection.state).toBe("auth-failed");
      // Watch for a while: still exactly one attempt.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect(attempts).toBe(1);
      expect(relay.all("auth-failed")).toHaveLength(1);
    } finally {
      await relay.close();
    }
  }, 120_000);
});
