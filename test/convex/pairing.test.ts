/** Pairing: pending → claimed | expired | replaced | revoked, idempotent claims, reset, and the claim rate limit. */
import { jest } from "@jest/globals";
import { api } from "../../convex/_generated/api.js";
import { CLAIM_FAILURE_LIMIT, CLAIM_FAILURE_WINDOW_MS, MAX_ACTIVE_DEVICES, PAIRING_TTL_MS } from "../../convex/lib/limits.js";
import {
  advance,
  credential,
  expectError,
  newBackend,
  pairDevice,
  registerInstance,
  setDeploymentEnv,
  type Backend,
  useConvexTestFile,
} from "./fixtures.js";

let t: Backend;
useConvexTestFile(() => t);
beforeEach(() => {
  t = newBackend();
});

test("register is idempotent on the secret and renames", async () => {
  const { secret, instanceId } = await registerInstance(t, "Home");
  const again = await t.mutation(api.instances.register, { secret, name: "Office" });
  expect(again.instanceId).toBe(instanceId);
  const info = await t.query(api.relay.info, { relaySecret: secret });
  expect(info).toEqual({ instanceId, name: "Office", pairedDevices: 0, pendingPairing: false });
});

test("pending → claimed: the relay sees who claimed; the app gets the instance name", async () => {
  const { secret } = await registerInstance(t, "Home");
  const pairingToken = credential();
  const { pairingId, expiresAt } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  expect(expiresAt).toBe(Date.now() + PAIRING_TTL_MS);
  expect(await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).toEqual({ status: "pending", expiresAt });
  expect((await t.query(api.relay.info, { relaySecret: secret })).pendingPairing).toBe(true);

  const deviceToken = credential();
  const claimed = await t.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: " Ana's iPhone ", platform: "ios" });
  // Exactly the instance name: the device id never leaves Convex (docs/convex-api.md).
  expect(claimed).toEqual({ instanceName: "Home" });
  expect(await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).toEqual({
    status: "claimed",
    expiresAt,
    device: { name: "Ana's iPhone", platform: "ios" },
  });
  expect(await t.query(api.relay.info, { relaySecret: secret })).toMatchObject({ pairedDevices: 1, pendingPairing: false });
  const status = await t.query(api.app.status, { deviceToken });
  expect(status.device).toEqual({ name: "Ana's iPhone", platform: "ios" });

  // A retry after a lost answer (same device token) is the same success; another device is refused.
  const retry = await t.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: "Ana's iPhone", platform: "ios" });
  expect(retry).toEqual(claimed);
  await expectError(
    t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Eve", platform: "ios" }),
    "PAIRING_ALREADY_CLAIMED",
  );
});

test("pending → expired by the scheduled function at expiry; an expired code can't be claimed", async () => {
  const { secret } = await registerInstance(t, "Home");
  const pairingToken = credential();
  const { pairingId } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  await advance(t, PAIRING_TTL_MS - 1);
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).status).toBe("pending");
  await advance(t, 1);
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).status).toBe("expired");
  await expectError(
    t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android" }),
    "PAIRING_EXPIRED",
  );
});

test("a claim after expiry fails even before the scheduled function has run", async () => {
  const { secret } = await registerInstance(t, "Home");
  const pairingToken = credential();
  const { pairingId } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  jest.setSystemTime(Date.now() + PAIRING_TTL_MS); // the clock moves, no timer fires
  await expectError(
    t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android" }),
    "PAIRING_EXPIRED",
  );
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).status).toBe("expired");
});

test("a new code replaces the pending one", async () => {
  const { secret } = await registerInstance(t, "Home");
  const first = credential();
  const second = credential();
  const a = await t.mutation(api.pairing.create, { relaySecret: secret, token: first });
  const b = await t.mutation(api.pairing.create, { relaySecret: secret, token: second });
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId: a.pairingId })).status).toBe("replaced");
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId: b.pairingId })).status).toBe("pending");
  await expectError(
    t.action(api.pairing.claim, { pairingToken: first, deviceToken: credential(), deviceName: "Pixel", platform: "android" }),
    "PAIRING_EXPIRED",
  );
  await t.action(api.pairing.claim, { pairingToken: second, deviceToken: credential(), deviceName: "Pixel", platform: "android" });
  // The replaced code's own expiry runs later and leaves it replaced.
  await advance(t, PAIRING_TTL_MS);
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId: a.pairingId })).status).toBe("replaced");
  expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId: b.pairingId })).status).toBe("claimed");
  // A token can't be registered twice.
  await expectError(t.mutation(api.pairing.create, { relaySecret: secret, token: second }), "BAD_REQUEST");
});

test("reset revokes every device and the pending code and rotates the secret", async () => {
  const { secret, instanceId } = await registerInstance(t, "Home");
  const one = await pairDevice(t, secret, "One");
  const two = await pairDevice(t, secret, "Two");
  const pendingToken = credential();
  const { pairingId } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pendingToken });
  const newSecret = credential();

  expect(await t.mutation(api.pairing.reset, { relaySecret: secret, newSecret })).toEqual({ revokedDevices: 2 });
  for (const device of [one, two]) await expectError(t.query(api.app.status, { deviceToken: device.deviceToken }), "UNAUTHORIZED");
  await expectError(t.query(api.relay.info, { relaySecret: secret }), "UNAUTHORIZED");
  expect(await t.query(api.relay.info, { relaySecret: newSecret })).toEqual({
    instanceId,
    name: "Home",
    pairedDevices: 0,
    pendingPairing: false,
  });
  expect((await t.query(api.pairing.watch, { relaySecret: newSecret, pairingId })).status).toBe("revoked");
  await expectError(
    t.action(api.pairing.claim, { pairingToken: pendingToken, deviceToken: credential(), deviceName: "X", platform: "ios" }),
    "PAIRING_EXPIRED",
  );
  // The old secret can't come back as the new one, and a revoked device token can't be reused to pair.
  await expectError(t.mutation(api.pairing.reset, { relaySecret: newSecret, newSecret }), "BAD_REQUEST");
  const fresh = credential();
  await t.mutation(api.pairing.create, { relaySecret: newSecret, token: fresh });
  await expectError(
    t.action(api.pairing.claim, { pairingToken: fresh, deviceToken: one.deviceToken, deviceName: "One", platform: "android" }),
    "BAD_REQUEST",
  );
});

test("unpair revokes only the calling device", async () => {
  const { secret } = await registerInstance(t, "Home");
  const one = await pairDevice(t, secret, "One");
  const two = await pairDevice(t, secret, "Two");
  expect(await t.mutation(api.app.unpair, { deviceToken: one.deviceToken })).toBeNull();
  await expectError(t.query(api.app.status, { deviceToken: one.deviceToken }), "UNAUTHORIZED");
  expect((await t.query(api.app.status, { deviceToken: two.deviceToken })).device.name).toBe("Two");
  expect((await t.query(api.relay.info, { relaySecret: secret })).pairedDevices).toBe(1);
});

test(`at most ${MAX_ACTIVE_DEVICES} devices are paired at once`, async () => {
  setDeploymentEnv({ FASTCLAW_PAIRING_CODES_PER_HOUR: "100" });
  const { secret } = await registerInstance(t, "Home");
  for (let i = 0; i < MAX_ACTIVE_DEVICES; i++) await pairDevice(t, secret, `Phone ${i}`);
  await expectError(pairDevice(t, secret, "One too many"), "BAD_REQUEST");
});

describe("failed claims are rate-limited per client address", () => {
  const wrongClaim = (backend: Pick<Backend, "action">) =>
    backend.action(api.pairing.claim, { pairingToken: credential(), deviceToken: credential(), deviceName: "Eve", platform: "ios" });

  test(`${CLAIM_FAILURE_LIMIT} failures → RATE_LIMITED with retryAfterMs; the window passes → allowed again`, async () => {
    const { secret } = await registerInstance(t, "Home");
    const attacker = t.withRequestMetadata({ ip: "203.0.113.9" });
    for (let i = 0; i < CLAIM_FAILURE_LIMIT; i++) await expectError(wrongClaim(attacker), "PAIRING_INVALID");

    await advance(t, 60_000);
    const limited = await expectError(wrongClaim(attacker), "RATE_LIMITED");
    expect(limited.retryAfterMs).toBe(CLAIM_FAILURE_WINDOW_MS - 60_000);
    // Another address is not affected.
    await expectError(wrongClaim(t.withRequestMetadata({ ip: "198.51.100.7" })), "PAIRING_INVALID");

    // Refused attempts don't extend the window.
    await advance(t, CLAIM_FAILURE_WINDOW_MS - 60_000);
    await expectError(wrongClaim(attacker), "PAIRING_INVALID");
  });

  test("a valid code is never refused for rate, even from a limited address", async () => {
    const { secret } = await registerInstance(t, "Home");
    const attacker = t.withRequestMetadata({ ip: "203.0.113.9" });
    for (let i = 0; i <= CLAIM_FAILURE_LIMIT; i++) await wrongClaim(attacker).catch(() => undefined);
    await expectError(wrongClaim(attacker), "RATE_LIMITED");

    const pairingToken = credential();
    const { pairingId } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
    const claimArgs = { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android" };
    expect(await attacker.action(api.pairing.claim, claimArgs)).toEqual({ instanceName: "Home" });
    expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).status).toBe("claimed");
    // Its retry after a lost answer too.
    expect(await attacker.action(api.pairing.claim, claimArgs)).toEqual({ instanceName: "Home" });
  });

  test("callers without an address share a bucket, yet strangers filling it can't stop the owner's claim", async () => {
    const { secret } = await registerInstance(t, "Home");
    for (let i = 0; i < CLAIM_FAILURE_LIMIT; i++) await expectError(wrongClaim(t), "PAIRING_INVALID");
    await expectError(wrongClaim(t), "RATE_LIMITED");

    const pairingToken = credential();
    await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
    const ok = await t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android" });
    expect(ok.instanceName).toBe("Home");
  });

  test("an IPv6 client is bucketed by its /64: other addresses in it share the limit, the next /64 doesn't", async () => {
    const from = (ip: string) => t.withRequestMetadata({ ip });
    for (let i = 0; i < CLAIM_FAILURE_LIMIT; i++) await expectError(wrongClaim(from(`2001:db8:1:2::${(i + 1).toString(16)}`)), "PAIRING_INVALID");
    await expectError(wrongClaim(from("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")), "RATE_LIMITED");
    await expectError(wrongClaim(from("[2001:db8:1:2:abcd::1]")), "RATE_LIMITED");
    await expectError(wrongClaim(from("2001:db8:1:3::1")), "PAIRING_INVALID");
  });

  test("buckets are deleted when their window is over, and no address is stored", async () => {
    await expectError(wrongClaim(t.withRequestMetadata({ ip: "203.0.113.9" })), "PAIRING_INVALID");
    await expectError(wrongClaim(t), "PAIRING_INVALID");
    const buckets = await t.run((ctx) => ctx.db.query("claimFailures").collect());
    expect(buckets.map((b) => b.key).sort()).toEqual([expect.stringMatching(/^ip:[0-9a-f]{64}$/), "shared"]);
    expect(JSON.stringify(buckets)).not.toContain("203.0.113.9");
    await advance(t, CLAIM_FAILURE_WINDOW_MS);
    expect(await t.run((ctx) => ctx.db.query("claimFailures").collect())).toEqual([]);
  });
});

describe("pairing:cancel withdraws a code nothing watches any more", () => {
  test("a cancelled code can't be claimed; the relay's watch says cancelled; cancelling again changes nothing", async () => {
    const { secret } = await registerInstance(t, "Home");
    const pairingToken = credential();
    const { pairingId } = await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
    expect(await t.mutation(api.pairing.cancel, { relaySecret: secret, pairingId })).toEqual({ status: "cancelled" });
    expect((await t.query(api.pairing.watch, { relaySecret: secret, pairingId })).status).toBe("cancelled");
    await expectError(t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Eve", platform: "ios" }), "PAIRING_EXPIRED");
    expect(await t.mutation(api.pairing.cancel, { relaySecret: secret, pairingId })).toEqual({ status: "cancelled" });
    expect((await t.query(api.relay.info, { relaySecret: secret })).pendingPairing).toBe(false);
  });

  test("a claimed code stays claimed; another instance's code is NOT_FOUND", async () => {
    const { secret } = await registerInstance(t, "Home");
    const other = await registerInstance(t, "Other");
    const paired = await pairDevice(t, secret);
    expect(await t.mutation(api.pairing.cancel, { relaySecret: secret, pairingId: paired.pairingId })).toEqual({ status: "claimed" });
    await expectError(t.mutation(api.pairing.cancel, { relaySecret: other.secret, pairingId: paired.pairingId }), "NOT_FOUND");
    expect((await t.query(api.app.status, { deviceToken: paired.deviceToken })).device.name).toBe("Pixel");
  });
});
