/** Presence: heartbeats, offline after 90 s of silence, goingOffline, and "relay down" vs "gateway down". */
import { api } from "../../convex/_generated/api.js";
import { OFFLINE_AFTER_MS } from "../../convex/lib/limits.js";
import { advance, type Backend, usePairedBackend } from "./fixtures.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;
const status = () => t.query(api.app.status, { deviceToken });

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

test("a relay that never sent a heartbeat is down", async () => {
  expect(await status()).toEqual({
    instanceName: "Home",
    relay: { online: false },
    gateway: { connected: false },
    device: { name: "Pixel", platform: "android" },
  });
});

test("relay up, gateway up → gateway down → relay down after 90 s of silence", async () => {
  expect(await t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.0", gatewayConnected: true, gatewayVersion: "2026.9.6" })).toBeNull();
  const seen = Date.now();
  expect(await status()).toMatchObject({
    relay: { online: true, lastSeenAt: seen, version: "0.1.0" },
    gateway: { connected: true, version: "2026.9.6" },
  });

  await advance(t, 30_000);
  await t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.0", gatewayConnected: false, gatewayError: "connection refused" });
  const gatewayDown = await status();
  expect(gatewayDown.relay.online).toBe(true);
  expect(gatewayDown.gateway).toMatchObject({ connected: false, error: "connection refused" });

  await advance(t, OFFLINE_AFTER_MS - 1);
  expect((await status()).relay.online).toBe(true);
  await advance(t, 1);
  const relayDown = await status();
  expect(relayDown.relay).toEqual({ online: false, lastSeenAt: seen + 30_000, version: "0.1.0" });
  expect(relayDown.gateway.connected).toBe(false);
});

test("regular heartbeats keep the relay online and leave one pending offline check", async () => {
  for (let i = 0; i < 10; i++) {
    await t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.0", gatewayConnected: true });
    await advance(t, 30_000);
    expect((await status()).relay.online).toBe(true);
  }
  const pending = await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter(
      (job) => job.name.includes("checkPresence") && job.state.kind === "pending",
    ),
  );
  expect(pending).toHaveLength(1);
});

test("goingOffline shows the relay down at once; the next heartbeat brings it back", async () => {
  await t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.0", gatewayConnected: true });
  expect(await t.mutation(api.relay.goingOffline, { relaySecret })).toBeNull();
  expect((await status()).relay.online).toBe(false);
  expect((await status()).gateway.connected).toBe(false);
  await t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.1", gatewayConnected: true });
  expect((await status()).relay).toMatchObject({ online: true, version: "0.1.1" });
});
