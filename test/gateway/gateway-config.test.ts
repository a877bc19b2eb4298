/** Unit: where the Gateway URL and credentials come from, in order, and every error path. */
import path from "node:path";
import { DEFAULT_GATEWAY_URL, GatewayConfigError, openclawConfigPath, resolveGatewayConfig } from "../../src/gateway/gateway-config.js";

const HOME = "/home/tester";
const DEFAULT_CONFIG = path.join(HOME, ".openclaw", "openclaw.json");

/** A fake file system: path → content; missing paths read as undefined (ENOENT). */
function files(map: Record<string, string>) {
  const reads: string[] = [];
  const readText = async (file: string) => {
    reads.push(file);
    return map[file];
  };
  return { readText, reads };
}

const resolve = (env: Record<string, string | undefined>, map: Record<string, string> = {}, explicit = {}) =>
  resolveGatewayConfig({ env: { HOME, ...env }, readText: files(map).readText, explicit });

async function configError(promise: Promise<unknown>): Promise<GatewayConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayConfigError);
  return err as GatewayConfigError;
}

describe("gateway URL", () => {
  test("defaults to ws://127.0.0.1:18789 with no credentials when nothing is configured", async () => {
    expect(await resolve({})).toEqual({ mode: "local", url: DEFAULT_GATEWAY_URL, urlSource: "default", auth: {}, authSource: "none", insecurePrivateWs: false });
  });

  test("order: explicit url > OPENCLAW_GATEWAY_URL > OPENCLAW_GATEWAY_PORT > gateway.port", async () => {
    const cfg = { [DEFAULT_CONFIG]: `{ gateway: { port: 19001 } }` };
    const env = { OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1111", OPENCLAW_GATEWAY_PORT: "2222" };
    expect((await resolve(env, cfg, { url: "wss://gw.example:443" })).url).toBe("wss://gw.example:443");
    expect((await resolve(env, cfg)).url).toBe("ws://127.0.0.1:1111");
    expect((await resolve({ OPENCLAW_GATEWAY_PORT: "2222" }, cfg)).url).toBe("ws://127.0.0.1:2222");
    const fromFile = await resolve({}, cfg);
    expect(fromFile.url).toBe("ws://127.0.0.1:19001");
    expect(fromFile.urlSource).toContain("gateway.port");
  });

  test("bad values name their source", async () => {
    expect((await configError(resolve({ OPENCLAW_GATEWAY_URL: "http://127.0.0.1:1" }))).key).toBe("OPENCLAW_GATEWAY_URL");
    expect((await configError(resolve({ OPENCLAW_GATEWAY_URL: "not a url" }))).message).toContain("OPENCLAW_GATEWAY_URL");
    expect((await configError(resolve({}, {}, { url: "ftp://x" }))).key).toBe("gateway.url");
    expect((await configError(resolve({ OPENCLAW_GATEWAY_PORT: "99999" }))).key).toBe("OPENCLAW_GATEWAY_PORT");
    expect((await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{port:"abc"}}` }))).key).toBe("gateway.port");
  });
});

describe("credentials", () => {
  const cfg = { [DEFAULT_CONFIG]: `// JSON5 with comments\n{ gateway: { auth: { mode: "token", token: "file-token", }, }, }` };

  test("order: explicit > OPENCLAW_GATEWAY_TOKEN/PASSWORD > gateway.auth in the config", async () => {
    expect((await resolve({ OPENCLAW_GATEWAY_TOKEN: "env-token" }, cfg, { token: "explicit" })).auth).toEqual({ token: "explicit" });
    expect((await resolve({ OPENCLAW_GATEWAY_TOKEN: "env-token" }, cfg)).auth).toEqual({ token: "env-token" });
    // gateway.auth.mode "token": the local Gateway checks only the token, so no password is sent.
    expect((await resolve({ OPENCLAW_GATEWAY_PASSWORD: "env-pw" }, cfg)).auth).toEqual({ token: "file-token" });
    const fromFile = await resolve({}, cfg);
    expect(fromFile.auth).toEqual({ token: "file-token" });
    expect(fromFile.authSource).toBe(`${DEFAULT_CONFIG} (gateway.auth.token)`);
  });

  test("explicit credentials are used alone (no mixing with implicit ones)", async () => {
    const r = await resolve({ OPENCLAW_GATEWAY_PASSWORD: "env-pw" }, cfg, { token: "explicit" });
    expect(r.auth).toEqual({ token: "explicit" });
    expect(r.authSource).toBe("relay configuration (gateway.token)");
  });

  test("the config is not read at all when explicit settings and env cover everything", async () => {
    const fs = files(cfg);
    await resolveGatewayConfig({ env: { HOME, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1", OPENCLAW_GATEWAY_TOKEN: "t" }, readText: fs.readText });
    expect(fs.reads).toEqual([]);
  });

  test("OPENCLAW_CONFIG_PATH and OPENCLAW_STATE_DIR choose the config file", async () => {
    expect(openclawConfigPath({ HOME, OPENCLAW_CONFIG_PATH: "/etc/oc.json" })).toBe("/etc/oc.json");
    expect(openclawConfigPath({ HOME, OPENCLAW_STATE_DIR: "/srv/oc" })).toBe("/srv/oc/openclaw.json");
    expect(openclawConfigPath({ HOME })).toBe(DEFAULT_CONFIG);
    const r = await resolve({ OPENCLAW_CONFIG_PATH: "/etc/oc.json" }, { "/etc/oc.json": `{gateway:{auth:{token:"custom"}}}` });
    expect(r.auth).toEqual({ token: "custom" });
  });

  test("mode selects the field; mode none means no credentials", async () => {
    const both = (mode: string) => ({ [DEFAULT_CONFIG]: `{gateway:{auth:{mode:"${mode}",token:"tok",password:"pw"}}}` });
    expect((await resolve({}, both("token"))).auth).toEqual({ token: "tok" });
    expect((await resolve({}, both("password"))).auth).toEqual({ password: "pw" });
    expect((await resolve({}, both("trusted-proxy"))).auth).toEqual({ password: "pw" });
    const none = await resolve({}, both("none"));
    expect(none.auth).toEqual({});
    expect(none.authSource).toContain("mode none");
    expect((await resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{password:"pw"}}}` })).auth).toEqual({ password: "pw" });
  });

  test("${ENV}, $ENV and env SecretRefs resolve from the env passed in", async () => {
    const env = { GW_TOKEN: "from-env", PORT_VAR: "4444" };
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:"\${GW_TOKEN}"}}}` })).auth).toEqual({ token: "from-env" });
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:"$GW_TOKEN"}}}` })).auth).toEqual({ token: "from-env" });
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:"pre-\${GW_TOKEN}-post"}}}` })).auth).toEqual({ token: "pre-from-env-post" });
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:{source:"env",provider:"default",id:"GW_TOKEN"}}}}` })).auth).toEqual({
      token: "from-env",
    });
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:{source:"env",id:"GW_TOKEN"}}}}` })).auth).toEqual({ token: "from-env" });
    expect((await resolve(env, { [DEFAULT_CONFIG]: `{gateway:{port:"\${PORT_VAR}"}}` })).url).toBe("ws://127.0.0.1:4444");
  });

  test("an unset ${ENV} is an error naming the key and the variable", async () => {
    const err = await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{mode:"token",token:"\${MISSING_TOKEN}"}}}` }));
    expect(err.key).toBe("gateway.auth.token");
    expect(err.message).toContain("MISSING_TOKEN");
    expect(err.message).toContain(DEFAULT_CONFIG);
  });

  test("a SecretRef the relay cannot resolve is an error naming the key — no guessing", async () => {
    for (const ref of [
      `{source:"file",provider:"filemain",id:"/gateway/token"}`,
      `{source:"exec",provider:"vault",id:"gw#token"}`,
      `{source:"store",provider:"default",id:"GW_TOKEN"}`,
      `{source:"env",provider:"custom",id:"GW_TOKEN"}`,
    ]) {
      const err = await configError(resolve({ GW_TOKEN: "x" }, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:${ref}}}}` }));
      expect(err.key).toBe("gateway.auth.token");
      expect(err.message).toContain("SecretRef");
      expect(err.message).toContain("OPENCLAW_GATEWAY_TOKEN");
    }
  });

  test("an env provider registered under another alias resolves", async () => {
    const text = `{secrets:{providers:{myenv:{source:"env"}}},gateway:{auth:{token:{source:"env",provider:"myenv",id:"GW_TOKEN"}}}}`;
    expect((await resolve({ GW_TOKEN: "aliased" }, { [DEFAULT_CONFIG]: text })).auth).toEqual({ token: "aliased" });
  });

  test("mode token without a token, and a bad mode, are errors", async () => {
    expect((await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{mode:"token"}}}` }))).message).toContain("OPENCLAW_GATEWAY_TOKEN");
    expect((await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{mode:"password"}}}` }))).key).toBe("gateway.auth.password");
    expect((await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{mode:"magic"}}}` }))).key).toBe("gateway.auth.mode");
    expect((await configError(resolve({}, { [DEFAULT_CONFIG]: `{gateway:{auth:{token:true}}}` }))).key).toBe("gateway.auth.token");
  });

  test("an unreadable or invalid config file is an error naming the file", async () => {
    const bad = await configError(resolve({}, { [DEFAULT_CONFIG]: `{ gateway: ` }));
    expect(bad.message).toContain(DEFAULT_CONFIG);
    expect(bad.message).toContain("JSON5");
    const unreadable = await configError(
      resolveGatewayConfig({
        env: { HOME },
        readText: async () => {
          throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
        },
      }),
    );
    expect(unreadable.message).toContain("EACCES");
  });

  test("a missing config file is fine", async () => {
    expect(await resolve({ OPENCLAW_GATEWAY_TOKEN: "t" })).toMatchObject({ url: DEFAULT_GATEWAY_URL, auth: { token: "t" } });
  });
});
