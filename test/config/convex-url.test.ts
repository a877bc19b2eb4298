/** Convex URLs: https://, or http:// only to this machine; everywhere a URL enters (config, env, pair --convex-url) with a clear error. */
import { convexUrlProblem, isLoopbackHost } from "../../src/config/convex-url.js";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { cli, writeConfig } from "../cli/cli-helpers.js";
import { makeSandbox, SECRET, type Sandbox } from "../service/helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

test.each(["https://happy-otter-123.convex.cloud", "https://convex.example.org:8443/", "http://127.0.0.1:3210", "http://127.1.2.3", "http://localhost:3210", "http://app.localhost", "http://[::1]:3210"])(
  "%s is allowed",
  (url) => {
    expect(convexUrlProblem(url)).toBeUndefined();
  },
);

test.each([
  ["http://happy-otter-123.convex.cloud", /must use https:\/\/ .*got host happy-otter-123\.convex\.cloud/],
  ["http://192.168.1.10:3210", /must use https:\/\//],
  ["http://[fe80::1]:3210", /must use https:\/\//],
  ["http://127.0.0.1.nip.io", /must use https:\/\//],
  ["http://localhost.evil.example", /must use https:\/\//],
  ["ws://127.0.0.1:3210", /must be an https:\/\/ URL/],
  ["https://user:pw@x.convex.cloud", /must not contain a user name or password/],
  ["https//x", /is not a valid URL/],
])("%s is refused", (url, problem) => {
  expect(convexUrlProblem(url)).toMatch(problem);
});

test("loopback is 127.0.0.0/8, ::1 and localhost names only", () => {
  expect(["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST.", "a.localhost", "[::1]"].every(isLoopbackHost)).toBe(true);
  expect(["128.0.0.1", "10.0.0.1", "localhost.com", "127.0.0.1.example", "[::2]", "0.0.0.0"].some(isLoopbackHost)).toBe(false);
});

test("a config file with plain http to another host is unusable: ConfigError naming the key, exit 78 for run", async () => {
  writeConfig(box, { convexUrl: "http://relay.lan:3210", instanceSecret: SECRET, instanceId: "i", instanceName: "Desk" });
  const error = await loadConfig(box.env).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toMatch(/`convexUrl` must use https:\/\//);
  const run = await cli(["run"], { env: box.env });
  expect(run.code).toBe(78);
  expect(run.stderr).toMatch(/`convexUrl` must use https:\/\//);
});

test("FASTCLAW_CONVEX_URL with plain http to another host is refused the same way", async () => {
  writeConfig(box);
  const error = await loadConfig({ ...box.env, FASTCLAW_CONVEX_URL: "http://10.1.2.3:3210" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toMatch(/FASTCLAW_CONVEX_URL|convexUrl/);
  expect((error as ConfigError).message).toMatch(/must use https:\/\//);
});

test("pair --convex-url http://<not loopback>: usage error, exit 2, nothing written", async () => {
  const result = await cli(["pair", "--json", "--convex-url", "http://my-deployment.convex.cloud"], { env: box.env });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--convex-url must use https:\/\/ \(plain http:\/\/ is allowed only to this machine/);
  expect(result.stdout).toBe("");
  await expect(loadConfig(box.env)).resolves.toMatchObject({ exists: false });
});
