/** The official client against a real loopback TLS server (no Gateway needed): pin mismatch and untrusted certificate are explained. */
import { generateKeyPairSync } from "node:crypto";
import { formatFingerprint } from "../../src/gateway/gateway-transport.js";
import { GatewayConnection, type GatewayDisconnectedInfo } from "../../src/gateway/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { startTlsTerminator, type TlsTerminator } from "../support/tls-terminator.js";

let terminator: TlsTerminator;
// A closed port behind the terminator: the TLS handshake is all these tests need.
beforeAll(async () => {
  terminator = await startTlsTerminator({ host: "127.0.0.1", port: 9 });
}, 60_000);
afterAll(() => terminator?.close());

function identity() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    deviceId: "d".repeat(64),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

async function firstRefusal(tlsFingerprint?: string): Promise<{ info: GatewayDisconnectedInfo; log: ReturnType<typeof captureLogger> }> {
  const log = captureLogger();
  const connection = new GatewayConnection({
    url: terminator.url,
    auth: { token: "t-0123456789" },
    ...(tlsFingerprint ? { tlsFingerprint } : {}),
    identity: identity(),
    logger: log.logger,
  });
  try {
    const info = await new Promise<GatewayDisconnectedInfo>((resolve) => {
      connection.on("disconnected", resolve);
      connection.start();
    });
    return { info, log };
  } finally {
    await connection.stop();
  }
}

test("a wrong pin: TLS_FINGERPRINT_MISMATCH with expected and actual, logged as an error with the fix", async () => {
  const wrong = "5a".repeat(32);
  const { info, log } = await firstRefusal(wrong);
  expect(info.code).toBe("TLS_FINGERPRINT_MISMATCH");
  expect(info.reason).toContain(`expected sha256 ${formatFingerprint(wrong)}`);
  expect(info.reason).toContain(`got sha256 ${formatFingerprint(terminator.fingerprint)}`);
  expect(log.lines.find((l) => l.level === "error")?.message).toContain("tlsFingerprint");
}, 30_000);

test("no pin, self-signed certificate: TLS_CERT_UNTRUSTED with a hint about tlsFingerprint", async () => {
  const { info, log } = await firstRefusal();
  expect(info.code).toBe("TLS_CERT_UNTRUSTED");
  expect(info.reason).toContain("not trusted");
  expect(log.lines.find((l) => l.level === "error")?.message).toContain("gateway.remote.tlsFingerprint");
}, 30_000);
