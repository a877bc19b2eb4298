/** Writing config.json through conf: 0700 dir, 0600 file, atomic, backups, and never over a corrupt file. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Conf from "conf";
import { ConfigError } from "../../src/config/errors.js";
import { saveConfig, updateConfig } from "../../src/config/store.js";
import { backupStamp } from "../../src/config/backup.js";
import { makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const mode = (file: string): number => statSync(file).mode & 0o777;

test("first save creates the dir 0700 and the file 0600, and leaves no temp file", async () => {
  const result = await saveConfig(box.env, { convexUrl: "https://x.convex.cloud", instanceSecret: SECRET });
  expect(result.file).toBe(box.configFile);
  expect(mode(box.stateDir)).toBe(0o700);
  expect(mode(box.configFile)).toBe(0o600);
  expect(JSON.parse(readFileSync(box.configFile, "utf8"))).toEqual({
    convexUrl: "https://x.convex.cloud",
    instanceSecret: SECRET,
  });
  expect(readdirSync(box.stateDir)).toEqual(["config.json"]);
});

test("a file that was 0644 is 0600 after a save", async () => {
  mkdirSync(box.stateDir, { recursive: true });
  writeFileSync(box.configFile, "{}", { mode: 0o644 });
  await saveConfig(box.env, { instanceName: "n" });
  expect(mode(box.configFile)).toBe(0o600);
});

test.each([
  ["invalid JSON", '{"convexUrl": '],
  ["a schema violation", '{"relay": {"logLevel": "loud"}}'],
])("a file with %s is never overwritten: ConfigError, bytes untouched, no backup", async (_what, text) => {
  mkdirSync(box.stateDir, { recursive: true });
  writeFileSync(box.configFile, text);
  await expect(saveConfig(box.env, { instanceSecret: SECRET }, { backup: true })).rejects.toBeInstanceOf(ConfigError);
  await expect(updateConfig(box.env, (c) => ({ ...c, instanceName: "x" }))).rejects.toBeInstanceOf(ConfigError);
  expect(readFileSync(box.configFile, "utf8")).toBe(text);
  expect(readdirSync(box.stateDir)).toEqual(["config.json"]);
});

test("conf itself (as configured here) does not clear an invalid file either", () => {
  // Guards the dependency: conf's default used to be to empty a file it cannot validate.
  mkdirSync(box.stateDir, { recursive: true });
  const text = '{"relay": {"logLevel": 7}}';
  writeFileSync(box.configFile, text);
  expect(
    () =>
      new Conf({
        cwd: box.stateDir,
        configName: "config",
        projectName: "fastclaw-relay",
        clearInvalidConfig: false,
        schema: { relay: { type: "object", properties: { logLevel: { type: "string" } } } },
      }),
  ).toThrow(/logLevel/);
  expect(readFileSync(box.configFile, "utf8")).toBe(text);
});

test("backup: true copies the current file to config.json.bak-<timestamp> (0600) before replacing it", async () => {
  await saveConfig(box.env, { convexUrl: "https://x.convex.cloud", instanceSecret: SECRET });
  const before = readFileSync(box.configFile, "utf8");
  const now = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
  const newSecret = "N".repeat(43);
  const result = await saveConfig(
    box.env,
    { convexUrl: "https://x.convex.cloud", instanceSecret: newSecret },
    { backup: true, now },
  );
  expect(result.backupFile).toBe(`${box.configFile}.bak-2025-01-02T03-04-05-678Z`);
  expect(backupStamp(now)).toBe("2025-01-02T03-04-05-678Z");
  expect(readFileSync(result.backupFile!, "utf8")).toBe(before);
  expect(mode(result.backupFile!)).toBe(0o600);
  expect(JSON.parse(readFileSync(box.configFile, "utf8")).instanceSecret).toBe(newSecret);
  // A second backup in the same millisecond does not overwrite the first.
  const again = await saveConfig(box.env, { convexUrl: "https://x.convex.cloud" }, { backup: true, now });
  expect(again.backupFile).not.toBe(result.backupFile);
  expect(existsSync(result.backupFile!)).toBe(true);
});

test("updateConfig changes one key and keeps the rest", async () => {
  await saveConfig(box.env, { convexUrl: "https://x.convex.cloud", relay: { logLevel: "debug" } });
  const { config } = await updateConfig(box.env, (c) => ({ ...c, instanceId: "abc" }));
  expect(config).toEqual({ convexUrl: "https://x.convex.cloud", relay: { logLevel: "debug" }, instanceId: "abc" });
  expect(JSON.parse(readFileSync(box.configFile, "utf8"))).toEqual(config);
});

test("refuses to write a config that would not load back", async () => {
  await expect(saveConfig(box.env, { convexUrl: "nope" })).rejects.toThrow(/convexUrl/);
  expect(existsSync(path.join(box.stateDir, "config.json"))).toBe(false);
});

test("an existing state dir keeps its mode (it may not be ours)", async () => {
  mkdirSync(box.stateDir, { recursive: true, mode: 0o755 });
  await saveConfig(box.env, { instanceName: "n" });
  expect(mode(box.stateDir)).toBe(0o755);
});
