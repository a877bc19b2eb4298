/** Relay down, Gateway down, all up: one clear line each, with what to do. */
import type { AppStatus } from "../../src/app-client/app-client.js";
import { describeHealth } from "../../src/chat/relay-health.js";
import { canonicalSessionKey } from "../../src/chat/session-key.js";

const base: AppStatus = {
  instanceName: "Desk",
  relay: { online: true, lastSeenAt: 1_000, version: "0.1.0" },
  gateway: { connected: true, version: "2026.9.6" },
  device: { name: "term", platform: "cli" },
};

test("all up", () => {
  expect(describeHealth(base)).toEqual({ health: "ok", line: 'Relay "Desk" is online and connected to its Gateway (Gateway 2026.9.6).' });
});

test("relay down: when it was last seen, and that messages wait", () => {
  const report = describeHealth({ ...base, relay: { online: false, lastSeenAt: 0 } }, 5 * 60_000);
  expect(report.health).toBe("relay-down");
  expect(report.line).toBe('Relay "Desk" is offline (last seen 5 min ago).');
  expect(report.hint).toMatch(/wait in Convex/);
  expect(describeHealth({ ...base, relay: { online: false } }).line).toMatch(/never seen online/);
});

test("gateway down: the relay's reason", () => {
  const report = describeHealth({ ...base, gateway: { connected: false, error: "AUTH_TOKEN_MISMATCH" } });
  expect(report.health).toBe("gateway-down");
  expect(report.line).toBe('Relay "Desk" is online, but its OpenClaw Gateway is not connected: AUTH_TOKEN_MISMATCH.');
  expect(report.hint).toMatch(/openclaw gateway status/);
});

test("session keys: bare names are agent:main:<name>, full keys pass through", () => {
  expect(canonicalSessionKey(undefined)).toBe("agent:main:main");
  expect(canonicalSessionKey("  ")).toBe("agent:main:main");
  expect(canonicalSessionKey("main")).toBe("agent:main:main");
  expect(canonicalSessionKey("work")).toBe("agent:main:work");
  expect(canonicalSessionKey("agent:ops:x")).toBe("agent:ops:x");
});
