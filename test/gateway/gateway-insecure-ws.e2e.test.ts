/** ws:// to a non-loopback address (in a network namespace the test makes): refused without the break-glass, used with it. */
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { e2eInfo, throwawayRelayEnv, type ThrowawayRelayEnv } from "../support/gateway-fixture.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const loader = path.join(here, "..", "support", "ts-loader.mjs");
const childScript = path.join(here, "..", "support", "netns-connect-child.ts");
// TEST-NET-style private address that exists only inside the namespace the child runs in.
const ADDR = "10.254.77.1";
const PORT = 18789;

interface ChildResult {
  ok: boolean;
  refused?: string;
  error?: string;
  connections: number;
  warnings: string[];
}

let home: ThrowawayRelayEnv;
let bridge: net.Server;
let bridgeSocket: string;

beforeAll(async () => {
  home = await throwawayRelayEnv("fastclaw-netns-");
  bridgeSocket = path.join(home.dir, "gateway.sock");
  // Filesystem Unix sockets cross network namespaces: the child's listener reaches the real Gateway through this.
  bridge = net.createServer((client) => {
    const upstream = net.connect(e2eInfo().gatewayPort, "127.0.0.1");
    const drop = () => (client.destroy(), upstream.destroy());
    client.on("error", drop);
    upstream.on("error", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => bridge.listen(bridgeSocket, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => bridge?.close(() => resolve()));
  await home?.cleanup();
});

function runInNamespace(extraEnv: Record<string, string>): Promise<ChildResult> {
  const script = `ip link set lo up && ip addr add ${ADDR}/32 dev lo && exec "$0" "$@"`;
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["-n", "sh", "-c", script, process.execPath, "--import", loader, childScript], {
      env: {
        PATH: process.env.PATH ?? "",
        ...home.env,
        NETNS_ADDR: ADDR,
        NETNS_PORT: String(PORT),
        BRIDGE_SOCKET: bridgeSocket,
        OPENCLAW_GATEWAY_URL: `ws://${ADDR}:${PORT}`,
        OPENCLAW_GATEWAY_TOKEN: e2eInfo().gatewayToken,
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as ChildResult);
      } catch {
        reject(new Error(`child exited ${code} without a result; stdout: ${out}; stderr: ${err}`));
      }
    });
  });
}

test("without OPENCLAW_ALLOW_INSECURE_PRIVATE_WS the relay refuses and opens no connection", async () => {
  const result = await runInNamespace({});
  expect(result.refused).toBe("OPENCLAW_GATEWAY_URL");
  expect(result.error).toContain("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1");
  expect(result.connections).toBe(0);
}, 120_000);

test("with OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 it connects over ws:// to the real Gateway and warns", async () => {
  const result = await runInNamespace({ OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" });
  expect(result).toMatchObject({ ok: true });
  expect(result.connections).toBeGreaterThanOrEqual(1);
  expect(result.warnings.some((w) => w.includes("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1") && w.includes(ADDR))).toBe(true);
}, 120_000);
