/** `logs`: -n across rotated files, the missing-log message, and -f following through rotations. */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { main } from "../../src/cli/main.js";
import { closeLogger, createLogger } from "../../src/logging/logger.js";
import { capture, makeSandbox, type Sandbox } from "../service/helpers.js";
import { cli } from "./cli-helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const logsDir = (): string => path.join(box.stateDir, "logs");
const numbered = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join("");

test("no log file yet: exit 1 with the path and the journalctl hint", async () => {
  const result = await cli(["logs"], { env: box.env });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(path.join(logsDir(), "relay.log"));
  expect(result.stderr).toContain("journalctl --user -u fastclaw-relay");
});

test("-n N prints the last N lines, reaching into relay1.log when relay.log is short", async () => {
  mkdirSync(logsDir(), { recursive: true });
  writeFileSync(path.join(logsDir(), "relay2.log"), numbered(0, 10));
  writeFileSync(path.join(logsDir(), "relay1.log"), numbered(10, 20));
  writeFileSync(path.join(logsDir(), "relay.log"), numbered(20, 23));
  expect((await cli(["logs", "-n", "5"], { env: box.env })).stdout).toBe(numbered(18, 23));
  expect((await cli(["logs", "-n", "2"], { env: box.env })).stdout).toBe(numbered(21, 23));
  expect((await cli(["logs", "-n", "100"], { env: box.env })).stdout).toBe(numbered(0, 23));
  expect((await cli(["logs", "-n", "0"], { env: box.env })).stdout).toBe("");
  expect((await cli(["logs"], { env: box.env })).code).toBe(0);
});

test("-n handles a file larger than one read chunk and no trailing newline", async () => {
  mkdirSync(logsDir(), { recursive: true });
  writeFileSync(path.join(logsDir(), "relay.log"), `${"y".repeat(200_000)}\n${numbered(0, 3000)}last`);
  const out = (await cli(["logs", "-n", "3"], { env: box.env })).stdout;
  expect(out).toBe("line 2998\nline 2999\nlast\n");
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(20);
  }
}

test("-f prints new lines and keeps following across rotations (renames) and truncation", async () => {
  mkdirSync(logsDir(), { recursive: true });
  const file = path.join(logsDir(), "relay.log");
  writeFileSync(file, numbered(0, 3));
  const stdout = capture();
  const controller = new AbortController();
  const done = main(["logs", "-f", "-n", "1"], { env: box.env, stdout, stderr: capture(), signal: controller.signal });
  try {
    await until(() => stdout.text() === "line 2\n");
    appendFileSync(file, numbered(3, 5));
    await until(() => stdout.text().endsWith("line 4\n"));
    // Rotation by rename, as the logger does it; a late write to the old file is still picked up.
    renameSync(file, path.join(logsDir(), "relay1.log"));
    appendFileSync(path.join(logsDir(), "relay1.log"), "line 5\n");
    writeFileSync(file, numbered(6, 8));
    await until(() => stdout.text().endsWith("line 7\n"));
    // Truncation in place (same inode, smaller size): read again from the start.
    writeFileSync(file, "truncated\n");
    await until(() => stdout.text().endsWith("truncated\n"));
    // Through the real logger with tiny files: several rotations in a row.
    const logger = createLogger({ logsDir: logsDir(), console: false, maxSizeBytes: 300, maxFiles: 50 });
    for (let i = 8; i < 60; i += 1) {
      logger.info(`line ${i}`);
      if (i % 10 === 0) await sleep(30);
    }
    await closeLogger(logger);
    await until(() => stdout.text().includes("info line 59"));
    const seen = [...stdout.text().matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
    expect(seen).toEqual([...Array(58).keys()].map((i) => i + 2));
  } finally {
    controller.abort();
  }
  expect(await done).toBe(0);
});

test("-f on a log that does not exist yet waits for it", async () => {
  const stdout = capture();
  const stderr = capture();
  const controller = new AbortController();
  const done = main(["logs", "-f"], { env: box.env, stdout, stderr, signal: controller.signal });
  try {
    await until(() => stderr.text().includes("Waiting for"));
    mkdirSync(logsDir(), { recursive: true });
    writeFileSync(path.join(logsDir(), "relay.log"), "first\n");
    await until(() => stdout.text() === "first\n");
  } finally {
    controller.abort();
  }
  expect(await done).toBe(0);
});

test("a log line quoting a hostile Gateway error is printed without its escape sequences", async () => {
  mkdirSync(logsDir(), { recursive: true });
  writeFileSync(path.join(logsDir(), "relay.log"), "t warn gateway error: boom\x1b]52;c;cm0K\x07\x1b[2K\rfake line\u202e\n");
  const out = (await cli(["logs", "-n", "1"], { env: box.env })).stdout;
  expect(out).toBe("t warn gateway error: boom fake line\n");
});
