/** Registration policy (key / open / closed), per-instance quotas, pairing codes per hour and the per-device send limit. */
import { jest } from "@jest/globals";
import { api } from "../../convex/_generated/api.js";
import * as L from "../../convex/lib/limits.js";
import {
  advance,
  credential,
  expectError,
  newBackend,
  pairDevice,
  REGISTRATION_KEY,
  registerInstance,
  setDeploymentEnv,
  type Backend,
  useConvexTestFile,
} from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";

let t: Backend;
useConvexTestFile(() => t);
beforeEach(() => {
  t = newBackend();
});

const register = (backend: Pick<Backend, "mutation">, registrationKey?: string) =>
  backend.mutation(api.instances.register, { secret: credential(), name: "Stranger", ...(registrationKey !== undefined ? { registrationKey } : {}) });

describe("registering a new instance on a personal deployment needs the owner's key", () => {
  test("no key or a wrong key: REGISTRATION_KEY_INVALID, nothing stored; the right key registers", async () => {
    await expectError(register(t), "REGISTRATION_KEY_INVALID");
    await expectError(register(t, `${REGISTRATION_KEY}x`), "REGISTRATION_KEY_INVALID");
    expect(await t.run((ctx) => ctx.db.query("instances").collect())).toEqual([]);
    await register(t, REGISTRATION_KEY);
    expect(await t.run((ctx) => ctx.db.query("instances").collect())).toHaveLength(1);
  });

  test("an existing instance registers again (and renames) without the key", async () => {
    const { secret, instanceId } = await registerInstance(t, "Home");
    expect(await t.mutation(api.instances.register, { secret, name: "Office" })).toEqual({ instanceId });
  });

  test("a registrationKey longer than any key can be is BAD_REQUEST", async () => {
    await expectError(register(t, "k".repeat(L.MAX_REGISTRATION_KEY_CHARS + 1)), "BAD_REQUEST");
  });

  test("no key set, or one too short to be safe: REGISTRATION_CLOSED saying what to set", async () => {
    setDeploymentEnv({ FASTCLAW_REGISTRATION_KEY: undefined });
    const closed = await expectError(register(t, REGISTRATION_KEY), "REGISTRATION_CLOSED");
    expect(closed.message).toContain("npx convex env set FASTCLAW_REGISTRATION_KEY");
    setDeploymentEnv({ FASTCLAW_REGISTRATION_KEY: "short-key" });
    const short = await expectError(register(t, "short-key"), "REGISTRATION_CLOSED");
    expect(short.message).toContain(`shorter than ${L.MIN_REGISTRATION_KEY_CHARS}`);
  });
});

describe("open registration (a shared deployment) is rate limited", () => {
  beforeEach(() => setDeploymentEnv({ FASTCLAW_OPEN_REGISTRATION: "true", FASTCLAW_REGISTRATION_KEY: undefined }));

  test(`per address: ${L.REGISTRATION_RATE_PER_ADDRESS.burst} at once, then RATE_LIMITED with retryAfterMs; refilled over time`, async () => {
    const stranger = t.withRequestMetadata({ ip: "203.0.113.9" });
    for (let i = 0; i < L.REGISTRATION_RATE_PER_ADDRESS.burst; i++) await register(stranger);
    const limited = await expectError(register(stranger), "RATE_LIMITED");
    const refill = L.REGISTRATION_RATE_PER_ADDRESS.perMs / L.REGISTRATION_RATE_PER_ADDRESS.burst;
    expect(limited.retryAfterMs).toBe(refill);
    await register(t.withRequestMetadata({ ip: "198.51.100.7" }));
    await advance(t, refill);
    await register(stranger);
  });

  test(`for the whole deployment: ${L.REGISTRATION_RATE_TOTAL.burst} an hour whatever the addresses; the key skips the limit`, async () => {
    setDeploymentEnv({ FASTCLAW_REGISTRATION_KEY: REGISTRATION_KEY });
    for (let i = 0; i < L.REGISTRATION_RATE_TOTAL.burst; i++) await register(t.withRequestMetadata({ ip: `198.51.100.${i}` }));
    await expectError(register(t.withRequestMetadata({ ip: "203.0.113.200" })), "RATE_LIMITED");
    await expectError(register(t), "RATE_LIMITED");
    await register(t, REGISTRATION_KEY);
  });

  test("buckets are deleted once full again, and store no address", async () => {
    await register(t.withRequestMetadata({ ip: "203.0.113.9" }));
    const buckets = await t.run((ctx) => ctx.db.query("rateBuckets").collect());
    expect(buckets.map((b) => b.key).sort()).toEqual(["register:all", expect.stringMatching(/^register:ip:[0-9a-f]{64}$/)]);
    expect(JSON.stringify(buckets)).not.toContain("203.0.113.9");
    await advance(t, L.REGISTRATION_RATE_TOTAL.perMs);
    expect(await t.run((ctx) => ctx.db.query("rateBuckets").collect())).toEqual([]);
  });
});

describe("per-instance quotas", () => {
  test(`pairing codes: ${L.PAIRING_CODE_RATE.burst} an hour, then RATE_LIMITED; another instance is not affected`, async () => {
    const { secret } = await registerInstance(t, "Home");
    for (let i = 0; i < L.PAIRING_CODE_RATE.burst; i++) await t.mutation(api.pairing.create, { relaySecret: secret, token: credential() });
    const limited = await expectError(t.mutation(api.pairing.create, { relaySecret: secret, token: credential() }), "RATE_LIMITED");
    expect(limited.retryAfterMs).toBe(L.PAIRING_CODE_RATE.perMs / L.PAIRING_CODE_RATE.burst);
    const other = await registerInstance(t, "Other");
    await t.mutation(api.pairing.create, { relaySecret: other.secret, token: credential() });
  });

  test("rows: sends, streams, transcript messages and sessions count; past the quota QUOTA_EXCEEDED and nothing is written", async () => {
    setDeploymentEnv({ FASTCLAW_MAX_ROWS_PER_INSTANCE: "4" });
    const { secret } = await registerInstance(t, "Home");
    const { deviceToken } = await pairDevice(t, secret);
    await t.mutation(api.app.send, { deviceToken, ...(await sendArgs("s", "c1", "one")) }); // message + session
    await t.mutation(api.relay.upsertStream, { relaySecret: secret, sessionKey: sid("s"), runId: "r1", text: "", state: "streaming" });
    await t.mutation(api.relay.ingestTranscript, {
      relaySecret: secret,
      sessionKey: sid("s"),
      messages: [{ gatewayMessageId: "g1", role: "user", text: "from elsewhere", timestamp: 1 }],
    });
    const full = await expectError(t.mutation(api.app.send, { deviceToken, ...(await sendArgs("s", "c2", "two")) }), "QUOTA_EXCEEDED");
    expect(full.message).toContain("at most 4");
    await expectError(
      t.mutation(api.relay.ingestTranscript, { relaySecret: secret, sessionKey: sid("s"), messages: [{ gatewayMessageId: "g2", role: "user", text: "x", timestamp: 2 }] }),
      "QUOTA_EXCEEDED",
    );
    expect(await t.run((ctx) => ctx.db.query("messages").collect())).toHaveLength(3);
    // A retry of a send that was stored costs nothing, and another instance has its own quota.
    await t.mutation(api.app.send, { deviceToken, ...(await sendArgs("s", "c1", "one")) });
    const other = await registerInstance(t, "Other");
    const phone = await pairDevice(t, other.secret);
    await t.mutation(api.app.send, { deviceToken: phone.deviceToken, ...(await sendArgs("s", "c1", "one")) });
  });

  test("bytes of text: stream growth counts; past the quota QUOTA_EXCEEDED, shrinking still goes through", async () => {
    setDeploymentEnv({ FASTCLAW_MAX_BYTES_PER_INSTANCE: "100" });
    const { secret } = await registerInstance(t, "Home");
    const stream = { relaySecret: secret, sessionKey: sid("s"), runId: "r1" };
    await t.mutation(api.relay.upsertStream, { ...stream, text: "a".repeat(60), state: "streaming" });
    await t.mutation(api.relay.upsertStream, { ...stream, text: "a".repeat(100), state: "streaming" });
    await expectError(t.mutation(api.relay.upsertStream, { ...stream, text: "é".repeat(51), state: "streaming" }), "QUOTA_EXCEEDED");
    await t.mutation(api.relay.upsertStream, { ...stream, text: "done", state: "final" });
    const usage = await t.run((ctx) => ctx.db.query("usage").collect());
    expect(usage.map((u) => ({ rows: u.rows, bytes: u.bytes }))).toEqual([{ rows: 1, bytes: 4 }]);
  });
});

describe("per-device send rate", () => {
  test(`${L.DEVICE_SEND_RATE.burst} at once, then RATE_LIMITED with retryAfterMs; retries are free; other devices unaffected`, async () => {
    const { secret } = await registerInstance(t, "Home");
    const one = await pairDevice(t, secret, "One");
    const two = await pairDevice(t, secret, "Two");
    const send = async (deviceToken: string, id: string) => t.mutation(api.app.send, { deviceToken, ...(await sendArgs(`s-${id}`, id, "hi")) });
    for (let i = 0; i < L.DEVICE_SEND_RATE.burst; i++) await send(one.deviceToken, `m${i}`);
    const limited = await expectError(send(one.deviceToken, "over"), "RATE_LIMITED");
    const refill = L.DEVICE_SEND_RATE.perMs / L.DEVICE_SEND_RATE.burst;
    expect(limited.retryAfterMs).toBe(refill);
    expect(limited.message).toMatch(/sending too fast/);
    await send(one.deviceToken, "m0");
    await send(two.deviceToken, "other");
    await advance(t, refill);
    await send(one.deviceToken, "later");
    await expectError(send(one.deviceToken, "again"), "RATE_LIMITED");
    expect((await t.query(api.relay.pendingMessages, { relaySecret: secret, limit: 500 })).length).toBe(L.DEVICE_SEND_RATE.burst + 2);
  });
});

describe("settings from the deployment's environment", () => {
  test("a rate set in the environment applies; an invalid one keeps the default (and says so in the log)", async () => {
    const { secret } = await registerInstance(t, "Home");
    const { deviceToken } = await pairDevice(t, secret);
    const send = async (id: string) => t.mutation(api.app.send, { deviceToken, ...(await sendArgs("s", id, "hi")) });
    setDeploymentEnv({ FASTCLAW_DEVICE_SENDS_PER_MINUTE: "2" });
    await send("a");
    await send("b");
    const limited = await expectError(send("c"), "RATE_LIMITED");
    expect(limited.retryAfterMs).toBe(30_000);

    setDeploymentEnv({ FASTCLAW_DEVICE_SENDS_PER_MINUTE: "lots" });
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      // The bucket keeps its tokens; with the default burst of 30 it has refilled to far more than one.
      await advance(t, 60_000);
      for (let i = 0; i < 3; i++) await send(`d${i}`);
      expect(warn.mock.calls.flat().join(" ")).toContain('FASTCLAW_DEVICE_SENDS_PER_MINUTE="lots" is not a positive integer');
    } finally {
      warn.mockRestore();
    }
  });
});
