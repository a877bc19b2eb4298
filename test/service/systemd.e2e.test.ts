/** The real thing: install/status/kill/stop/reinstall/bad config/uninstall under a real `systemd --user`. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// Opt-in: this installs a real user unit. .ci/run starts a throwaway manager (shared/tools/systemd-user)
// and sets these; on a laptop `npm test` must never touch the user's own services.
const ENABLED = process.env.FASTCLAW_TEST_SYSTEMD === "1" && Boolean(process.env.FASTCLAW_TEST_SD_HOME);
const SKIP_REASON =
  "skipped: set FASTCLAW_TEST_SYSTEMD=1 and FASTCLAW_TEST_SD_HOME (a systemd --user manager's throwaway HOME; .ci/run does)";
const describeSystemd = ENABLED ? describe : describe.skip;

const SD_HOME = process.env.FASTCLAW_TEST_SD_HOME ?? "";
/** exec.sh of the harness: runs a command inside the manager's mount namespace, as its user. */
const SD_EXEC = process.env.FASTCLAW_TEST_SD_EXEC;
const SD_USER = process.env.FASTCLAW_TEST_SD_USER ?? "root";
const BIN = path.resolve("bin/fastclaw-relay.js");
const UNIT = "fastclaw-relay.service";
const UNIT_FILE = path.join(SD_HOME, ".config", "systemd", "user", UNIT);
const SECRET = `${"E2eSecret".repeat(4)}E2eSecr`; // 43 base64url chars, like a real one

let stateDir = "";
/** Per test: jest's testTimeout is a global option, so the e2e project's 120 s does not reach here. */
const TIMEOUT = 90_000;

function sh(argv: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: SD_HOME,
    FASTCLAW_STATE_DIR: stateDir,
    ...extraEnv,
  };
  if (SD_EXEC) {
    // exec.sh sets HOME, XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS itself; pass the rest through env(1).
    const assignments = Object.entries(env)
      .filter(([k]) => k !== "HOME" && k !== "PATH")
      .map(([k, v]) => `${k}=${v}`);
    return spawnSync(SD_EXEC, ["-u", SD_USER, "env", ...assignments, ...argv], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env },
    });
  }
  for (const k of ["XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"]) if (process.env[k]) env[k] = process.env[k]!;
  return spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 60_000, env });
}

const relay = (...args: string[]) => sh([process.execPath, BIN, ...args]);
const systemctl = (...args: string[]) => sh(["systemctl", "--user", ...args]);

function show(): Record<string, string> {
  const out = systemctl("show", "-p", "ActiveState,SubState,MainPID,NRestarts,ExecMainStatus,LoadState", UNIT).stdout;
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(show())}`);
    await sleep(200);
  }
}

function writeConfig(config: unknown): void {
  writeFileSync(path.join(stateDir, "config.json"), typeof config === "string" ? config : JSON.stringify(config), {
    mode: 0o600,
  });
}

/** A loopback port nobody listens on (not 9 or another port fetch refuses outright). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let GOOD_CONFIG: Record<string, unknown> = {};

describeSystemd(`fastclaw-relay under a real systemd --user manager${ENABLED ? "" : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    // Closed loopback ports: the relay must stay up and keep retrying.
    const port = await closedPort();
    GOOD_CONFIG = {
      convexUrl: `http://127.0.0.1:${port}`,
      instanceSecret: SECRET,
      contentKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
      gateway: { url: `ws://127.0.0.1:${port}`, token: "e2e-gateway-token-0000" },
    };
    stateDir = mkdtempSync(path.join(os.tmpdir(), "fcr-sd-e2e-"));
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    if (existsSync(UNIT_FILE)) relay("uninstall"); // a leftover from an interrupted run
    writeConfig(GOOD_CONFIG);
  }, TIMEOUT);
  afterAll(() => {
    if (!ENABLED) return;
    relay("uninstall");
    rmSync(stateDir, { recursive: true, force: true });
  }, TIMEOUT);

  test(
    "1. install makes the unit active, and status shows its pid",
    async () => {
      const install = relay("install");
      expect({ status: install.status, stderr: install.stderr }).toMatchObject({ status: 0 });
      expect(install.stdout).toContain(`Service file: ${UNIT_FILE} (written)`);
      expect(install.stdout).toContain("enabled, started");
      // No logind here: linger cannot be checked, which is reported, not fatal.
      expect(install.stderr).toMatch(/linger/i);
      expect(systemctl("is-active", UNIT).stdout.trim()).toBe("active");
      expect(systemctl("is-enabled", UNIT).stdout.trim()).toBe("enabled");
      const pid = Number(show().MainPID);
      expect(pid).toBeGreaterThan(0);
      // The process systemd started runs with the memory-lean node flags the unit carries.
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg.length > 0);
      expect(argv.slice(1)).toEqual(["--max-semi-space-size=1", "--no-opt", "--no-maglev", expect.stringMatching(/bin\/fastclaw-relay\.js$/), "run"]);
      const status = relay("status");
      expect(status.status).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^Runtime: +running \\(pid ${pid}, up \\d+s, 0 restarts\\)$`, "m"));
      expect(status.stdout).toMatch(
        /^Service: +systemd user unit fastclaw-relay.service: installed, enabled, active \(running\)$/m,
      );
      const json = JSON.parse(relay("status", "--json").stdout) as { runtime: { pid: number }; service: { active: boolean } };
      expect(json.runtime.pid).toBe(pid);
      expect(json.service.active).toBe(true);
      expect(JSON.stringify(json)).not.toContain(SECRET);
      // The unit carries no secret.
      expect(readFileSync(UNIT_FILE, "utf8")).not.toContain(SECRET);
    },
    TIMEOUT,
  );

  test(
    "4. install run twice changes nothing (same bytes, same mtime, same process)",
    () => {
      const before = { mtime: statSync(UNIT_FILE).mtimeMs, bytes: readFileSync(UNIT_FILE, "utf8"), ...show() };
      const again = relay("install");
      expect(again.status).toBe(0);
      expect(again.stdout).toContain("(unchanged)");
      expect(again.stdout).toContain("already running");
      const after = { mtime: statSync(UNIT_FILE).mtimeMs, bytes: readFileSync(UNIT_FILE, "utf8"), ...show() };
      expect(after).toEqual(before);
    },
    TIMEOUT,
  );

  test(
    "2. after kill -9 of the main pid, systemd restarts it",
    async () => {
      const { MainPID, NRestarts } = show();
      // Never kill(0): that would be this test's own process group.
      if (!(Number(MainPID) > 1)) throw new Error(`no main pid to kill: ${JSON.stringify(show())}`);
      process.kill(Number(MainPID), "SIGKILL");
      const restarted = await until("a new main pid", () => {
        const now = show();
        return now.ActiveState === "active" && Number(now.MainPID) > 0 && now.MainPID !== MainPID ? now : undefined;
      });
      expect(Number(restarted.NRestarts)).toBe(Number(NRestarts) + 1);
      const status = relay("status");
      expect({ code: status.status, stdout: status.stdout, stderr: status.stderr }).toMatchObject({
        code: 0,
        stdout: expect.stringMatching(new RegExp(`running \\(pid ${restarted.MainPID}, up \\d+s, 1 restart\\)`)),
      });
    },
    TIMEOUT,
  );

  test(
    "3. stop makes it inactive (and stopping again is fine)",
    () => {
      const stop = relay("stop");
      expect(stop.status).toBe(0);
      expect(stop.stdout).toBe("Stopped fastclaw-relay.service.\n");
      expect(systemctl("is-active", UNIT).stdout.trim()).toBe("inactive");
      expect(relay("stop").status).toBe(0);
      const status = relay("status", "--require-healthy");
      expect(status.status).toBe(1);
      expect(status.stdout).toMatch(/^Runtime: +not running/m);
    },
    TIMEOUT,
  );

  test(
    "6. a broken config makes the service stop with 78 rather than loop",
    async () => {
      writeConfig(JSON.stringify({ ...GOOD_CONFIG, relay: { logLevel: "loud" } }));
      const start = relay("start");
      // `start` watches the unit briefly and reports the failure instead of claiming success.
      expect(start.status).toBe(1);
      expect(start.stderr).toMatch(/did not stay up: failed \(failed\), exit status 78/);
      const failed = await until("the unit to fail", () => (show().ActiveState === "failed" ? show() : undefined));
      expect(failed.ExecMainStatus).toBe("78");
      const restarts = failed.NRestarts;
      await sleep(7_000); // longer than RestartSec=5: a looping unit would have restarted by now
      expect(show()).toMatchObject({ ActiveState: "failed", ExecMainStatus: "78", NRestarts: restarts, MainPID: "0" });
      const status = relay("status");
      expect(status.stdout).toMatch(/^Config: +invalid: .*`relay\.logLevel`/m);
      expect(status.stderr).toMatch(/configuration is unusable \(exit 78\)/);
      expect(relay("logs", "-n", "5").stdout).toMatch(/not starting: .*relay\.logLevel/);
      // Fixed config + restart: up again.
      writeConfig(GOOD_CONFIG);
      expect(relay("restart").status).toBe(0);
      expect(systemctl("is-active", UNIT).stdout.trim()).toBe("active");
    },
    TIMEOUT,
  );

  test(
    "5. uninstall removes the unit and keeps the config",
    () => {
      const result = relay("uninstall");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Configuration kept at");
      expect(existsSync(UNIT_FILE)).toBe(false);
      expect(show().LoadState).toBe("not-found");
      expect(existsSync(path.join(stateDir, "config.json"))).toBe(true);
      expect(relay("uninstall").stdout).toMatch(/Nothing to remove/);
    },
    TIMEOUT,
  );
});
