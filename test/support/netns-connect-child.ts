/**
 * Child process run inside a network namespace made by the test (`unshare -n`): serves NETNS_ADDR:NETNS_PORT there,
 * bridged through a Unix socket (BRIDGE_SOCKET) to the real Gateway, then connects once as the relay would and
 * prints one JSON line: whether the relay refused the URL, how many TCP connections it opened, and its warnings.
 */
import net from "node:net";
import { statePaths } from "../../src/config/paths.js";
import { GatewayConfigError, openGatewayConnection } from "../../src/gateway/index.js";

const env = process.env;
let connections = 0;
const server = net.createServer((client) => {
  connections += 1;
  const upstream = net.connect(env.BRIDGE_SOCKET!);
  const drop = () => (client.destroy(), upstream.destroy());
  client.on("error", drop);
  upstream.on("error", drop);
  client.pipe(upstream).pipe(client);
});
await new Promise<void>((resolve) => server.listen(Number(env.NETNS_PORT), env.NETNS_ADDR, resolve));

const warnings: string[] = [];
const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
const report = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...result, connections, warnings })}\n`);
try {
  const { connection } = await openGatewayConnection({ env, paths: statePaths(env), logger });
  connection.start();
  try {
    await connection.waitUntilConnected(60_000);
    report({ ok: true });
  } catch (err) {
    report({ ok: false, error: err instanceof Error ? err.message : String(err) });
  } finally {
    await connection.stop();
  }
} catch (err) {
  if (!(err instanceof GatewayConfigError)) throw err;
  report({ ok: false, refused: err.key, error: err.message });
} finally {
  server.close();
}
