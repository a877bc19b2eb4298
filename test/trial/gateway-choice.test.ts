/** Which Gateway the trial uses: yours when it answers, a trial one otherwise (auto), or exactly what was asked. */
import { chooseGateway, TrialGatewayError, type GatewayChoiceDeps, type TrialGateway } from "../../dev/trial/gateway-choice.js";
import { GatewayConfigError } from "../../src/gateway/index.js";
import type { ProbeResult } from "../../dev/devkit/gateway-probe.js";

function deps(probe: ProbeResult | undefined, overrides: Partial<GatewayChoiceDeps> = {}) {
  const notes: string[] = [];
  const probes: Array<{ url: string; token: string | undefined }> = [];
  const started: string[] = [];
  const local: TrialGateway = { url: "ws://127.0.0.1:5555", token: "trial-token", started: true, description: "trial gw", stop: async () => undefined, kill: () => undefined };
  const d: GatewayChoiceDeps = {
    env: {},
    note: (line) => notes.push(line),
    resolve: async () => ({ mode: "local", insecurePrivateWs: false, url: "ws://127.0.0.1:18789", urlSource: "default", auth: { token: "mine" }, authSource: "/home/me/.openclaw/openclaw.json (gateway.auth.token)" }),
    probe: async (url, token) => {
      probes.push({ url, token });
      if (!probe) throw new Error("no probe expected");
      return probe;
    },
    startLocal: async (dir) => {
      started.push(dir);
      return local;
    },
    ...overrides,
  };
  return { d, notes, probes, started, local };
}

test("auto, your Gateway answers: used with the credentials it was probed with, nothing started", async () => {
  const { d, probes, started } = deps({ ok: true, protocol: 4, serverVersion: "2026.9.6" });
  const gateway = await chooseGateway("auto", "/tmp/t", d);
  expect(gateway).toMatchObject({ url: "ws://127.0.0.1:18789", token: "mine", started: false });
  expect(gateway.description).toMatch(/Using your OpenClaw Gateway at ws:\/\/127\.0\.0\.1:18789 \(version 2026\.9\.6; URL from default, credentials from .*openclaw\.json/);
  expect(probes).toEqual([{ url: "ws://127.0.0.1:18789", token: "mine" }]);
  expect(started).toEqual([]);
});

test("auto, nothing listening: starts the trial Gateway in the trial dir and says why", async () => {
  const { d, notes, started, local } = deps({ ok: false, code: "SOCKET_ERROR", message: "connect ECONNREFUSED 127.0.0.1:18789" });
  expect(await chooseGateway("auto", "/tmp/t", d)).toBe(local);
  expect(started).toEqual(["/tmp/t/gateway"]);
  expect(notes[0]).toMatch(/^No OpenClaw Gateway answers at ws:\/\/127\.0\.0\.1:18789 \(connect ECONNREFUSED .*\)\. Starting a trial OpenClaw Gateway .* stub model/);
});

test("auto, your Gateway refuses the credentials: says so, then uses a trial Gateway", async () => {
  const { d, notes, started } = deps({ ok: false, code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch" });
  await chooseGateway("auto", "/tmp/t", d);
  expect(started).toHaveLength(1);
  expect(notes[0]).toMatch(/The Gateway at ws:\/\/127\.0\.0\.1:18789 refused the trial \(INVALID_REQUEST: unauthorized/);
});

test("auto, OpenClaw's config is unusable: a trial Gateway, with the reason", async () => {
  const { d, notes, started } = deps(undefined, {
    resolve: async () => {
      throw new GatewayConfigError("OPENCLAW_CONFIG_PATH", "OpenClaw config /x is not valid JSON5");
    },
  });
  await chooseGateway("auto", "/tmp/t", d);
  expect(started).toHaveLength(1);
  expect(notes[0]).toMatch(/Your OpenClaw configuration could not be used \(OpenClaw config \/x is not valid JSON5\)/);
});

test("existing: fails instead of starting anything, with what to do", async () => {
  const down = deps({ ok: false, code: "PROBE_TIMEOUT", message: "no hello-ok within 5000 ms" });
  await expect(chooseGateway("existing", "/tmp/t", down.d)).rejects.toThrow(/No OpenClaw Gateway answers .* Start it \(`openclaw gateway run`\), or use --gateway local/);
  const refused = deps({ ok: false, code: "INVALID_REQUEST", message: "token mismatch" });
  await expect(chooseGateway("existing", "/tmp/t", refused.d)).rejects.toThrow(/Set OPENCLAW_GATEWAY_TOKEN/);
  const broken = deps(undefined, { resolve: async () => Promise.reject(new Error("bad port")) });
  await expect(chooseGateway("existing", "/tmp/t", broken.d)).rejects.toThrow(TrialGatewayError);
  expect([...down.started, ...refused.started, ...broken.started]).toEqual([]);
});

test("local: no probe, a trial Gateway", async () => {
  const { d, probes, started } = deps(undefined);
  await chooseGateway("local", "/tmp/t", d);
  expect(probes).toEqual([]);
  expect(started).toEqual(["/tmp/t/gateway"]);
});

test("password credentials are passed on to the relay", async () => {
  const { d } = deps(
    { ok: true, protocol: 4, serverVersion: "" },
    { resolve: async () => ({ mode: "override", insecurePrivateWs: false, url: "ws://127.0.0.1:1", urlSource: "OPENCLAW_GATEWAY_URL", auth: { password: "pw" }, authSource: "OPENCLAW_GATEWAY_PASSWORD" }) },
  );
  expect(await chooseGateway("auto", "/tmp/t", d)).toMatchObject({ password: "pw", started: false, description: expect.stringMatching(/version unknown/) });
});
