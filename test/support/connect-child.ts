/** Child process for e2e tests: connect once as the relay would, print one JSON line, exit. */
import { statePaths } from "../../src/config/paths.js";
import { openGatewayConnection } from "../../src/gateway/index.js";

const env = process.env;
const { connection } = await openGatewayConnection({ env, paths: statePaths(env), logger: { debug() {}, info() {}, warn() {}, error() {} } });
connection.start();
try {
  const hello = await connection.waitUntilConnected(60_000);
  process.stdout.write(`${JSON.stringify({ ok: true, deviceId: connection.deviceId, scopes: hello.scopes, protocol: hello.protocol })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, deviceId: connection.deviceId, error: err instanceof Error ? err.message : String(err) })}\n`);
} finally {
  await connection.stop();
}
