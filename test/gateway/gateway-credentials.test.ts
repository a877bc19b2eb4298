/** Unit: which Gateway (local/remote mode) and which credential wins, one row per rule of issue 15, with the source of each. */
import path from "node:path";
import { GatewayConfigError, resolveGatewayConfig, type ExplicitGatewaySettings } from "../../src/gateway/gateway-config.js";

const HOME = "/home/tester";
const CFG = path.join(HOME, ".openclaw", "openclaw.json");
const PIN = "ab".repeat(32);

const resolve = (env: Record<string, string>, config: string | undefined, explicit: ExplicitGatewaySettings = {}) =>
  resolveGatewayConfig({ env: { HOME, ...env }, readText: async (file) => (file === CFG ? config : undefined), explicit });

interface Row {
  name: string;
  env?: Record<string, string>;
  config?: string;
  explicit?: ExplicitGatewaySettings;
  want: { mode?: string; url?: string; token?: string; tokenSource?: string; password?: string; passwordSource?: string; noCredentials?: true };
}

const LOCAL_ALL = `{gateway:{auth:{token:"auth-tok",password:"auth-pw"},remote:{token:"remote-tok",password:"remote-pw"}}}`;
const REMOTE_ALL = `{gateway:{mode:"remote",auth:{token:"auth-tok",password:"auth-pw"},remote:{url:"wss://gw.example:443",token:"remote-tok",password:"remote-pw"}}}`;
const ENV_BOTH = { OPENCLAW_GATEWAY_TOKEN: "env-tok", OPENCLAW_GATEWAY_PASSWORD: "env-pw" };
const src = (key: string) => `${CFG} (${key})`;

const rows: Row[] = [
  // Target
  { name: "local mode: loopback at the default port", config: `{}`, want: { mode: "local", url: "ws://127.0.0.1:18789" } },
  { name: "local mode: loopback at gateway.port", config: `{gateway:{mode:"local",port:19001}}`, want: { mode: "local", url: "ws://127.0.0.1:19001" } },
  { name: "remote mode: gateway.remote.url", config: REMOTE_ALL, want: { mode: "remote", url: "wss://gw.example:443" } },
  // Local mode token: env → gateway.auth.token → gateway.remote.token
  { name: "local token 1: OPENCLAW_GATEWAY_TOKEN beats the file", env: ENV_BOTH, config: LOCAL_ALL, want: { token: "env-tok", tokenSource: "OPENCLAW_GATEWAY_TOKEN" } },
  { name: "local token 2: gateway.auth.token beats gateway.remote.token", config: LOCAL_ALL, want: { token: "auth-tok", tokenSource: src("gateway.auth.token") } },
  { name: "local token 3: gateway.remote.token when no local token is set", config: `{gateway:{remote:{token:"remote-tok"}}}`, want: { token: "remote-tok", tokenSource: src("gateway.remote.token") } },
  // Local mode password: env → gateway.auth.password → gateway.remote.password
  { name: "local password 1: OPENCLAW_GATEWAY_PASSWORD beats the file", env: ENV_BOTH, config: LOCAL_ALL, want: { password: "env-pw", passwordSource: "OPENCLAW_GATEWAY_PASSWORD" } },
  { name: "local password 2: gateway.auth.password beats gateway.remote.password", config: LOCAL_ALL, want: { password: "auth-pw", passwordSource: src("gateway.auth.password") } },
  { name: "local password 3: gateway.remote.password when no local password is set", config: `{gateway:{remote:{password:"remote-pw"}}}`, want: { password: "remote-pw", passwordSource: src("gateway.remote.password") } },
  // Remote mode token: gateway.remote.token → env → gateway.auth.token
  { name: "remote token 1: gateway.remote.token beats the env", env: ENV_BOTH, config: REMOTE_ALL, want: { token: "remote-tok", tokenSource: src("gateway.remote.token") } },
  { name: "remote token 2: OPENCLAW_GATEWAY_TOKEN beats gateway.auth.token", env: ENV_BOTH, config: `{gateway:{mode:"remote",auth:{token:"auth-tok"},remote:{url:"wss://gw.example"}}}`, want: { token: "env-tok", tokenSource: "OPENCLAW_GATEWAY_TOKEN" } },
  { name: "remote token 3: gateway.auth.token last", config: `{gateway:{mode:"remote",auth:{token:"auth-tok"},remote:{url:"wss://gw.example"}}}`, want: { token: "auth-tok", tokenSource: src("gateway.auth.token") } },
  // Remote mode password: env → gateway.remote.password → gateway.auth.password
  { name: "remote password 1: OPENCLAW_GATEWAY_PASSWORD beats the file", env: ENV_BOTH, config: REMOTE_ALL, want: { password: "env-pw", passwordSource: "OPENCLAW_GATEWAY_PASSWORD" } },
  { name: "remote password 2: gateway.remote.password beats gateway.auth.password", config: REMOTE_ALL, want: { password: "remote-pw", passwordSource: src("gateway.remote.password") } },
  { name: "remote password 3: gateway.auth.password last", config: `{gateway:{mode:"remote",auth:{password:"auth-pw"},remote:{url:"wss://gw.example"}}}`, want: { password: "auth-pw", passwordSource: src("gateway.auth.password") } },
  // Explicit always wins
  { name: "explicit token wins over every other source (remote mode)", env: ENV_BOTH, config: REMOTE_ALL, explicit: { token: "mine" }, want: { mode: "remote", token: "mine", tokenSource: "relay configuration (gateway.token)" } },
  { name: "explicit password wins (local mode)", env: ENV_BOTH, config: LOCAL_ALL, explicit: { password: "mine" }, want: { password: "mine", passwordSource: "relay configuration (gateway.password)" } },
  // URL override safety
  { name: "explicit URL never reuses env or file credentials", env: ENV_BOTH, config: REMOTE_ALL, explicit: { url: "ws://127.0.0.1:1" }, want: { mode: "override", url: "ws://127.0.0.1:1", noCredentials: true } },
  { name: "explicit URL with explicit credentials uses them", env: ENV_BOTH, config: REMOTE_ALL, explicit: { url: "ws://127.0.0.1:1", token: "mine" }, want: { token: "mine", tokenSource: "relay configuration (gateway.token)" } },
  { name: "OPENCLAW_GATEWAY_URL uses OPENCLAW_GATEWAY_TOKEN/PASSWORD", env: { ...ENV_BOTH, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:2" }, config: REMOTE_ALL, want: { mode: "override", url: "ws://127.0.0.1:2", token: "env-tok", tokenSource: "OPENCLAW_GATEWAY_TOKEN", password: "env-pw", passwordSource: "OPENCLAW_GATEWAY_PASSWORD" } },
  { name: "OPENCLAW_GATEWAY_URL never uses file credentials", env: { OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:2" }, config: REMOTE_ALL, want: { url: "ws://127.0.0.1:2", noCredentials: true } },
  // Only OPENCLAW_GATEWAY_* counts
  { name: "other env names are not Gateway overrides", env: { CLAWDBOT_GATEWAY_TOKEN: "x", OPENCLAW_TOKEN: "y", GATEWAY_TOKEN: "z", CLAWDBOT_GATEWAY_URL: "ws://127.0.0.1:9" }, config: `{gateway:{auth:{token:"auth-tok"}}}`, want: { url: "ws://127.0.0.1:18789", token: "auth-tok", tokenSource: src("gateway.auth.token") } },
];

describe("precedence, one row per rule", () => {
  test.each(rows)("$name", async (row) => {
    const r = await resolve(row.env ?? {}, row.config, row.explicit);
    const { want } = row;
    if (want.mode) expect(r.mode).toBe(want.mode);
    if (want.url) expect(r.url).toBe(want.url);
    if ("token" in want) {
      expect(r.auth.token).toBe(want.token);
      expect(r.tokenSource).toBe(want.tokenSource);
    }
    if ("password" in want) {
      expect(r.auth.password).toBe(want.password);
      expect(r.passwordSource).toBe(want.passwordSource);
    }
    if (want.noCredentials) {
      expect(r.auth).toEqual({});
      expect(r.authSource).toBe("none");
    }
  });
});

async function refusal(promise: Promise<unknown>): Promise<GatewayConfigError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayConfigError);
  return err as GatewayConfigError;
}

describe("fail closed", () => {
  test("an unresolvable SecretRef earlier in the order is an error naming the key, not a fallback to a later source", async () => {
    const err = await refusal(
      resolve({ OPENCLAW_GATEWAY_TOKEN: "env-tok" }, `{gateway:{mode:"remote",remote:{url:"wss://gw.example",token:{source:"file",provider:"f",id:"/x"}}}}`),
    );
    expect(err.key).toBe("gateway.remote.token");
  });

  test("an unset ${ENV} in gateway.auth.token does not fall back to gateway.remote.token", async () => {
    const err = await refusal(resolve({}, `{gateway:{auth:{token:"\${NOT_SET}"},remote:{token:"remote-tok"}}}`));
    expect(err.key).toBe("gateway.auth.token");
    expect(err.message).toContain("NOT_SET");
  });

  test("remote mode without gateway.remote.url, and a bad gateway.mode", async () => {
    expect((await refusal(resolve({}, `{gateway:{mode:"remote"}}`))).key).toBe("gateway.remote.url");
    expect((await refusal(resolve({}, `{gateway:{mode:"cloud"}}`))).key).toBe("gateway.mode");
  });
});

describe("TLS pin and transport", () => {
  test("gateway.remote.tlsFingerprint pins the remote URL, normalised, with its source", async () => {
    const colon = (PIN.toUpperCase().match(/.{2}/g) ?? []).join(":");
    const r = await resolve({}, `{gateway:{mode:"remote",remote:{url:"wss://gw.example",tlsFingerprint:"sha256:${colon}"}}}`);
    expect(r.tlsFingerprint).toBe(PIN);
    expect(r.tlsFingerprintSource).toBe(src("gateway.remote.tlsFingerprint"));
  });

  test("the file's pin does not follow an overridden URL; the relay's own pin does", async () => {
    const config = `{gateway:{mode:"remote",remote:{url:"wss://gw.example",tlsFingerprint:"${PIN}"}}}`;
    expect((await resolve({ OPENCLAW_GATEWAY_URL: "wss://other.example" }, config)).tlsFingerprint).toBeUndefined();
    const own = await resolve({}, config, { url: "wss://other.example", tlsFingerprint: "cd".repeat(32) });
    expect(own.tlsFingerprint).toBe("cd".repeat(32));
    expect(own.tlsFingerprintSource).toBe("relay configuration (gateway.tlsFingerprint)");
  });

  test("a malformed pin, or a pin on ws://, is an error naming the key", async () => {
    expect((await refusal(resolve({}, `{gateway:{mode:"remote",remote:{url:"wss://gw.example",tlsFingerprint:"abc"}}}`))).key).toBe("gateway.remote.tlsFingerprint");
    const onWs = await refusal(resolve({}, `{}`, { url: "ws://127.0.0.1:1", tlsFingerprint: PIN }));
    expect(onWs.key).toBe("relay configuration (gateway.tlsFingerprint)");
  });

  test.each([
    ["ws://10.0.0.5:18789"],
    ["ws://gateway.lan:18789"],
    ["ws://box.tail1234.ts.net:18789"],
    ["ws://[fd00::1]:18789"],
  ])("plaintext %s is refused without the break-glass, allowed (and flagged) with it", async (url) => {
    const err = await refusal(resolve({ OPENCLAW_GATEWAY_URL: url }, undefined));
    expect(err.key).toBe("OPENCLAW_GATEWAY_URL");
    expect(err.message).toContain("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1");
    const allowed = await resolve({ OPENCLAW_GATEWAY_URL: url, OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" }, undefined);
    expect(allowed.insecurePrivateWs).toBe(true);
    expect((await refusal(resolve({ OPENCLAW_GATEWAY_URL: url, OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "true" }, undefined))).key).toBe("OPENCLAW_GATEWAY_URL");
  });

  test.each([["ws://127.0.0.1:1"], ["ws://127.3.4.5:1"], ["ws://localhost:1"], ["ws://[::1]:1"], ["ws://[::ffff:127.0.0.1]:1"], ["wss://203.0.113.9:1"]])(
    "%s needs no break-glass",
    async (url) => {
      expect((await resolve({ OPENCLAW_GATEWAY_URL: url }, undefined)).insecurePrivateWs).toBe(false);
    },
  );

  test("a remote-mode ws:// URL in OpenClaw's config is refused naming the file key", async () => {
    const err = await refusal(resolve({}, `{gateway:{mode:"remote",remote:{url:"ws://192.168.1.20:18789"}}}`));
    expect(err.key).toBe(src("gateway.remote.url"));
  });
});
