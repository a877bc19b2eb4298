/** The CLI in-process: help, version, usage errors (exit 2). */
import { RELAY_VERSION } from "../../src/version.js";
import { makeSandbox, recorder, type Sandbox } from "../service/helpers.js";
import { cli } from "./cli-helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

test("--help lists every command with examples and the exit codes", async () => {
  const result = await cli(["--help"], { env: box.env });
  expect(result.code).toBe(0);
  for (const command of ["run", "pair", "install", "uninstall", "start", "stop", "restart", "status", "logs"]) {
    expect(result.stdout).toMatch(new RegExp(`fastclaw-relay ${command} `));
  }
  expect(result.stdout).toContain("Examples:");
  expect(result.stdout).toContain("78 configuration unusable");
  expect(result.stdout).toContain(box.configFile);
  expect(result.stderr).toBe("");
});

test("command help shows its options", async () => {
  const result = await cli(["logs", "--help"], { env: box.env });
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/-f, --follow/);
  expect(result.stdout).toMatch(/-n, --lines/);
});

test("--version prints the package version", async () => {
  expect(await cli(["--version"], { env: box.env })).toEqual({ code: 0, stdout: `${RELAY_VERSION}\n`, stderr: "" });
});

test.each([
  [[], /Name a command/],
  [["bogus"], /Unknown argument: bogus/],
  [["status", "--jsn"], /Unknown argument/],
  [["logs", "-n", "-1"], /-n\/--lines must be a whole number/],
  [["logs", "-n", "abc"], /-n\/--lines must be a whole number/],
  [["pair", "--qr-file", "code.txt"], /--qr-file must end in .png or .svg/],
  [["run", "--config-error-exit-code", "300"], /0\.\.255/],
  [["stop", "extra"], /Unknown argument: extra/],
])("usage error %j exits 2 with a message and a pointer to --help", async (argv, message) => {
  const rec = recorder();
  const result = await cli(argv, { env: box.env, runner: rec.runner });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toContain("fastclaw-relay --help");
  expect(result.stdout).toBe("");
  // Nothing ran.
  expect(rec.calls).toEqual([]);
});
