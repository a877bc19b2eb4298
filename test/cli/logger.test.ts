/** The logger: redaction of credentials, no chat text below debug, size-based rotation without loss. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { closeLogger, createLogger } from "../../src/logging/logger.js";
import { redactText } from "../../src/logging/redact.js";
import { GATEWAY_TOKEN, makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const logsDir = (): string => path.join(box.stateDir, "logs");

async function logged(
  level: string,
  write: (logger: ReturnType<typeof createLogger>) => void,
  secrets: string[] = [],
): Promise<string> {
  const logger = createLogger({ logsDir: logsDir(), console: false, level, secrets });
  write(logger);
  await closeLogger(logger);
  return readFileSync(path.join(logsDir(), "relay.log"), "utf8");
}

test("credentials never reach the file: by value, by key, by shape, inside errors", async () => {
  const text = await logged(
    "debug",
    (log) => {
      log.info(`configured secret ${SECRET} and gateway token ${GATEWAY_TOKEN}`);
      log.warn("gateway handshake", {
        token: "abc",
        password: "p",
        auth: { Authorization: "Bearer xyz" },
        nested: { deviceToken: "d" },
      });
      log.error("request failed", { error: new Error(`401 for relaySecret=${"Q".repeat(10)}x1Yz&next=1`) });
      log.info("header Authorization: Bearer abcdefghijklmnop");
      log.info(`an unknown credential-shaped value ${"aB3".repeat(15)} in free text`);
    },
    [GATEWAY_TOKEN],
  );
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(GATEWAY_TOKEN);
  expect(text).not.toContain("xyz");
  expect(text).not.toContain("abcdefghijklmnop");
  expect(text).not.toContain("aB3aB3aB3");
  expect(text).not.toMatch(/"token":"abc"|"password":"p"|"deviceToken":"d"/);
  expect(text).toContain('"token":"[redacted]"');
  expect(text).toContain("relaySecret=[redacted]&next=1");
  expect(text).toContain("Bearer [redacted]");
});

test("chat text is replaced by its length at info level and shown at debug", async () => {
  const info = await logged("info", (log) =>
    log.info("delivered", { sessionKey: "main", text: "secret plans", preview: "secret" }),
  );
  expect(info).toContain('"text":"[12 chars]"');
  expect(info).toContain('"preview":"[6 chars]"');
  expect(info).not.toContain("secret plans");
  box.cleanup();
  box = makeSandbox();
  const debug = await logged("debug", (log) => log.debug("delivered", { text: "secret plans" }));
  expect(debug).toContain('"text":"secret plans"');
});

test("ids and ordinary words are left alone", () => {
  expect(redactText("session agent:main:main run 0b5f2c7e-1b7d-4a9e-9f3e-2c1d5e6f7a8b, 42 messages")).toBe(
    "session agent:main:main run 0b5f2c7e-1b7d-4a9e-9f3e-2c1d5e6f7a8b, 42 messages",
  );
});

test("rotation by size keeps maxFiles files, 0600, and loses no line of a burst", async () => {
  const logger = createLogger({ logsDir: logsDir(), console: false, maxSizeBytes: 2000, maxFiles: 20 });
  for (let i = 0; i < 300; i += 1) logger.info(`line ${i} ${"x".repeat(40)}`);
  await closeLogger(logger);
  const files = readdirSync(logsDir()).sort();
  expect(files.length).toBeGreaterThan(5);
  let all: string[] = [];
  for (let n = files.length - 1; n >= 0; n -= 1) {
    const file = path.join(logsDir(), n === 0 ? "relay.log" : `relay${n}.log`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBeLessThanOrEqual(2000);
    all = all.concat(readFileSync(file, "utf8").trim().split("\n"));
  }
  expect(all.map((l) => Number(/line (\d+)/.exec(l)?.[1]))).toEqual([...Array(300).keys()]);
});

test("rotation drops the oldest file beyond maxFiles", async () => {
  const logger = createLogger({ logsDir: logsDir(), console: false, maxSizeBytes: 500, maxFiles: 3 });
  for (let i = 0; i < 100; i += 1) logger.info(`line ${i} ${"x".repeat(40)}`);
  await closeLogger(logger);
  expect(readdirSync(logsDir()).sort()).toEqual(["relay.log", "relay1.log", "relay2.log"]);
  expect(readFileSync(path.join(logsDir(), "relay.log"), "utf8")).toContain("line 99 ");
});
