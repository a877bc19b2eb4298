/** The rendered unit and plist: deterministic, absolute paths, minimal environment, accepted by real parsers. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parsePlist } from "plist";
import { renderLaunchdPlist, renderSystemdUnit } from "../../src/service/render.js";
import { buildServiceSpec } from "../../src/service/spec.js";
import { LAUNCHD_RUN_ARGS } from "../../src/service/launchd.js";
import { systemdEnvironment, systemdExecArg } from "../../src/service/escape.js";
import { GATEWAY_TOKEN, makeSandbox, SECRET, type Sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const NODE = process.execPath;
const ENTRY = path.resolve("bin/fastclaw-relay.js");

function spec(env: Record<string, string>, args = ["run"], platform: NodeJS.Platform = "linux") {
  return buildServiceSpec({ env, platform, nodePath: NODE, entryPath: ENTRY }, args);
}

test("the systemd unit runs node and the entry point by absolute path, with the restart policy", () => {
  const unit = renderSystemdUnit(spec(box.env));
  expect(unit).toContain(`ExecStart="${NODE}" "--max-semi-space-size=1" "--no-opt" "--no-maglev" "${ENTRY}" "run"\n`);
  for (const line of [
    "Restart=always",
    "RestartSec=5",
    "RestartPreventExitStatus=78",
    "SuccessExitStatus=0 143",
    "KillMode=mixed",
    "TimeoutStopSec=20",
    "StartLimitBurst=10",
    "StartLimitIntervalSec=300",
    "WantedBy=default.target",
    `Environment="HOME=${box.env.HOME}"`,
    `Environment="PATH=${path.dirname(NODE)}:/usr/local/bin:/usr/bin:/bin"`,
    'Environment="NODE_ENV=production"',
    `Environment="FASTCLAW_STATE_DIR=${box.stateDir}"`,
  ]) {
    expect(unit.split("\n")).toContain(line);
  }
  expect(unit).not.toMatch(/\{\{/);
});

test("rendering is deterministic and only passes the documented variables (no secrets)", () => {
  const env = {
    ...box.env,
    FASTCLAW_CONVEX_URL: "https://x.convex.cloud",
    OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    FASTCLAW_INSTANCE_SECRET: SECRET,
    OPENCLAW_STATE_DIR: "/srv/openclaw",
    OPENCLAW_CONFIG_PATH: "/srv/openclaw/openclaw.json",
  };
  const a = renderSystemdUnit(spec(env));
  const b = renderSystemdUnit(spec({ ...env }));
  expect(a).toBe(b);
  const names = [...a.matchAll(/^Environment="([A-Z_]+)=/gm)].map((m) => m[1]);
  expect(names).toEqual(["HOME", "PATH", "NODE_ENV", "FASTCLAW_STATE_DIR", "OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH"]);
  for (const text of [a, renderLaunchdPlist(spec(env, LAUNCHD_RUN_ARGS, "darwin"))]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(GATEWAY_TOKEN);
    expect(text).not.toContain("convex.cloud");
  }
});

test("a relative FASTCLAW_STATE_DIR is made absolute for the service", () => {
  const unit = renderSystemdUnit(spec({ ...box.env, FASTCLAW_STATE_DIR: "rel/state" }));
  expect(unit).toContain(`Environment="FASTCLAW_STATE_DIR=${path.resolve("rel/state")}"`);
});

test("systemd quoting: spaces, quotes, backslashes, % and $ survive", () => {
  expect(systemdExecArg('/a b/"c"\\d%e$f')).toBe('"/a b/\\"c\\"\\\\d%%e$$f"');
  expect(systemdEnvironment("HOME", "/x y/%h")).toBe('Environment="HOME=/x y/%%h"');
  expect(() => systemdEnvironment("HOME", "a\nb")).toThrow(/line break/);
  expect(() => systemdEnvironment("1BAD", "x")).toThrow(/invalid/);
});

const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const describeAnalyze = analyze ? describe : describe.skip;
describeAnalyze(`systemd-analyze verify${analyze ? "" : " (skipped: systemd-analyze is not installed)"}`, () => {
  test("the rendered unit verifies with no warnings, also with awkward paths", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fcr-verify-"));
    try {
      const runtime = path.join(dir, "runtime");
      mkdirSync(runtime, { mode: 0o700 });
      // A home with a space and a percent sign: quoting must hold up in the real parser.
      const home = path.join(dir, "home dir %x");
      for (const env of [box.env, { ...box.env, HOME: home, FASTCLAW_STATE_DIR: path.join(home, "state") }]) {
        const unitFile = path.join(dir, "fastclaw-relay.service");
        writeFileSync(unitFile, renderSystemdUnit(spec(env)));
        const result = spawnSync("systemd-analyze", ["--user", "verify", unitFile], {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: env.HOME!, XDG_RUNTIME_DIR: runtime },
        });
        expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({
          status: 0,
          stderr: "",
          stdout: "",
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("the plist parses with a real plist parser and has the expected keys", () => {
  const s = spec({ ...box.env, HOME: "/Users/a&b <c>" }, LAUNCHD_RUN_ARGS, "darwin");
  const text = renderLaunchdPlist(s);
  const parsed = parsePlist(text) as Record<string, unknown>;
  expect(parsed).toEqual({
    Label: "ai.fastclaw.relay",
    ProgramArguments: [NODE, "--max-semi-space-size=1", "--no-opt", "--no-maglev", ENTRY, "run", "--no-log-stdout", "--config-error-exit-code", "0"],
    EnvironmentVariables: {
      HOME: "/Users/a&b <c>",
      PATH: `${path.dirname(NODE)}:/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin`,
      NODE_ENV: "production",
      FASTCLAW_STATE_DIR: box.stateDir,
    },
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ExitTimeOut: 20,
    Umask: 63,
    ProcessType: "Background",
    StandardOutPath: path.join(box.stateDir, "logs", "launchd.stdout.log"),
    StandardErrorPath: path.join(box.stateDir, "logs", "launchd.stderr.log"),
  });
  expect(renderLaunchdPlist(s)).toBe(text);
});

test("relative node or entry paths are refused", () => {
  expect(() => buildServiceSpec({ env: box.env, platform: "linux", nodePath: "node", entryPath: ENTRY }, ["run"])).toThrow(
    /absolute/,
  );
});
