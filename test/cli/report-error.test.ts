/** How a failure reaches the terminal: message, then the hint on its own line, and one exit code per kind. */
import { ConfigError } from "../../src/config/errors.js";
import { ChatError } from "../../src/chat/chat-error.js";
import { createContext, UsageError } from "../../src/cli/context.js";
import { DeviceIdentityError } from "../../src/gateway/device-identity.js";
import { GatewayConfigError } from "../../src/gateway/openclaw-config.js";
import { reportError } from "../../src/cli/report-error.js";
import { PairingError } from "../../src/pairing/convex-calls.js";
import { RunLockHeldError } from "../../src/runtime/run-lock.js";
import { ServiceError } from "../../src/service/manager.js";
import { capture } from "../service/helpers.js";

function report(error: unknown): { code: number; lines: string[] } {
  const stderr = capture();
  const code = reportError(createContext({ stdout: capture(), stderr, env: {} }), error);
  return { code, lines: stderr.text().trimEnd().split("\n") };
}

test("a ConfigError: the file and problem, then what to do on its own line; exit 78", () => {
  const error = new ConfigError("CONFIG_MISSING", "/home/u/.openclaw/fastclaw/config.json", "does not exist", { hint: "run `fastclaw-relay pair` first." });
  expect(report(error)).toEqual({
    code: 78,
    lines: ["fastclaw-relay: /home/u/.openclaw/fastclaw/config.json: does not exist", "run `fastclaw-relay pair` first."],
  });
});

test("Gateway settings or an identity file the relay can't use exit 78 like its own config: starting again changes nothing", () => {
  expect(report(new GatewayConfigError("gateway.mode", 'gateway.mode in /h/.openclaw/openclaw.json is "x"'))).toEqual({
    code: 78,
    lines: ['fastclaw-relay: gateway.mode in /h/.openclaw/openclaw.json is "x"'],
  });
  expect(report(new DeviceIdentityError("device identity file /s/id.json is unusable (not JSON).", "Restore it or delete it."))).toEqual({
    code: 78,
    lines: ["fastclaw-relay: device identity file /s/id.json is unusable (not JSON).", "Restore it or delete it."],
  });
});

test("a UsageError exits 2; a ServiceError, PairingError, ChatError or RunLockHeldError exits 1 with its hint", () => {
  expect(report(new UsageError("--reset needs --yes"))).toEqual({ code: 2, lines: ["fastclaw-relay: --reset needs --yes"] });
  expect(report(new ServiceError("SERVICE_NOT_INSTALLED", "not installed", "Run `fastclaw-relay install` first."))).toEqual({
    code: 1,
    lines: ["fastclaw-relay: not installed", "Run `fastclaw-relay install` first."],
  });
  expect(report(new PairingError("RATE_LIMITED", "Convex refused: RATE_LIMITED", "wait a minute"))).toEqual({
    code: 1,
    lines: ["fastclaw-relay: Convex refused: RATE_LIMITED", "wait a minute"],
  });
  expect(report(new ChatError("TIMEOUT", "no answer"))).toEqual({ code: 1, lines: ["fastclaw-relay: no answer"] });
  const held = report(new RunLockHeldError("/s/relay.lock", 42));
  expect(held.code).toBe(1);
  expect(held.lines).toHaveLength(2);
  expect(held.lines[0]).toBe("fastclaw-relay: another fastclaw-relay run (pid 42) is already using this state dir (lock: /s/relay.lock).");
  expect(held.lines[1]).toMatch(/^Two relays on one state dir/);
});

test("only a RelayError's hint is printed: a foreign error's `hint` field is not trusted (no duck typing)", () => {
  const foreign = Object.assign(new Error("boom"), { hint: "\u001b[2Jrun rm -rf" });
  expect(report(foreign)).toEqual({ code: 1, lines: ["fastclaw-relay: boom"] });
  expect(report("plain string")).toEqual({ code: 1, lines: ["fastclaw-relay: plain string"] });
});

test("message and hint are terminal-safe: escape sequences from Convex or the Gateway are removed", () => {
  const error = new PairingError("REFUSED", "Convex refused: \u001b]0;owned\u0007bad", "try \u001b[31magain\u001b[0m");
  expect(report(error).lines).toEqual(["fastclaw-relay: Convex refused: bad", "try again"]);
});
