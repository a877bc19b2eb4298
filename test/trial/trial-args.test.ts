/** The trial's arguments and the environment its relay gets. */
import { parseTrialArgs, TrialUsageError } from "../../dev/trial/trial-args.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";
import { trialRelayEnv } from "../../dev/trial/trial-env.js";

test("defaults: interactive, auto gateway, 120 s", () => {
  expect(parseTrialArgs([])).toEqual({ gateway: "auto", keep: false, timeoutSeconds: 120, help: false });
});

test("every option, both spellings", () => {
  expect(parseTrialArgs(["-m", "hi", "--gateway", "local", "--timeout=30", "--keep", "--state-dir", "/tmp/x"])).toEqual({
    message: "hi",
    gateway: "local",
    timeoutSeconds: 30,
    keep: true,
    stateDir: "/tmp/x",
    help: false,
  });
  expect(parseTrialArgs(["--message=a=b", "--gateway=existing", "-h"])).toMatchObject({ message: "a=b", gateway: "existing", help: true });
});

test.each([
  [["--message"], /--message needs a value/],
  [["--message", "  "], /--message is empty/],
  [["--gateway", "remote"], /--gateway must be auto, existing or local/],
  [["--timeout", "0"], /--timeout must be a number of seconds > 0/],
  [["--timeout", "soon"], /--timeout must be/],
  [["--verbose"], /unknown argument "--verbose"/],
])("usage error %j", (argv, message) => {
  expect(() => parseTrialArgs(argv)).toThrow(TrialUsageError);
  expect(() => parseTrialArgs(argv)).toThrow(message);
});

test("the relay's env: the trial's state dir, Gateway and local registration key; no outer FASTCLAW_* or gateway settings", () => {
  const env = trialRelayEnv(
    {
      PATH: "/bin",
      HOME: "/home/me",
      FASTCLAW_CONVEX_URL: "https://real.convex.cloud",
      FASTCLAW_STATE_DIR: "/home/me/.openclaw/fastclaw",
      FASTCLAW_REGISTRATION_KEY: "the-real-deployments-key-that-must-not-leak",
      OPENCLAW_GATEWAY_URL: "ws://elsewhere:1",
      OPENCLAW_GATEWAY_PASSWORD: "pw",
      OPENCLAW_GATEWAY_PORT: "9",
      NODE_OPTIONS: "--inspect",
      OPENCLAW_CONFIG_PATH: "/home/me/.openclaw/openclaw.json",
    },
    "/tmp/trial/relay",
    { url: "ws://127.0.0.1:18789", token: "tok" },
  );
  expect(env).toEqual({
    PATH: "/bin",
    HOME: "/home/me",
    OPENCLAW_CONFIG_PATH: "/home/me/.openclaw/openclaw.json",
    FASTCLAW_STATE_DIR: "/tmp/trial/relay",
    FASTCLAW_REGISTRATION_KEY: LOCAL_CONVEX_REGISTRATION_KEY,
    OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:18789",
    OPENCLAW_GATEWAY_TOKEN: "tok",
  });
});
