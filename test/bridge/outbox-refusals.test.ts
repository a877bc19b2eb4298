/** Unit: the outbox over the real GatewayAdapter, fed the refusals the Gateway gives chat.send: which are retried, which fail the message. */
import { GatewayAdapter } from "../../src/bridge/gateway-adapter.js";
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { MAX_RACE_REFUSALS } from "../../src/bridge/send-retry.js";
import { GatewayProtocolError, GatewayRequestError, type ChatSendAck, type GatewayConnection } from "../../src/gateway/index.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { RecordingConvex, flush } from "./fakes.js";

const NOW = 1_000_000;
const msg = (id: string): PendingMessage => ({ messageId: id, sessionKey: `s-${id}`, text: `text of ${id}`, runId: `fastclaw-${id}`, createdAt: NOW });

const RACE = "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request";
const race = () => new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: RACE });

/** The real adapter over a connection whose n-th chat.send (1-based) is answered by `answer`. */
function setup(answer: (attempt: number) => Promise<ChatSendAck> | Error, retryDelayMs = 1) {
  const sends: string[] = [];
  const connection = {
    state: "connected",
    chatSend: (p: { idempotencyKey: string }) => {
      sends.push(p.idempotencyKey);
      const answered = answer(sends.length);
      return answered instanceof Error ? Promise.reject(answered) : answered;
    },
  };
  const gateway = new GatewayAdapter(connection as unknown as GatewayConnection, silentLogger());
  const convex = new RecordingConvex();
  const clock = new FakeClock(NOW);
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 60_000, retryDelayMs, clock });
  /** Lets fake time pass in `retryDelayMs` steps until `settled` (at most a minute of it). */
  const until = async (settled: () => boolean): Promise<void> => {
    for (let passed = 0; !settled(); passed += retryDelayMs) {
      if (passed > 60_000) throw new Error("not settled within a minute of fake time");
      await flush();
      clock.advance(retryDelayMs);
    }
  };
  return { sends, convex, outbox, clock, until };
}

const ack = (attempt: number): Promise<ChatSendAck> => Promise.resolve({ runId: "fastclaw-m1", status: "started", messageSeq: attempt });

describe("Outbox over the GatewayAdapter: chat.send refusals", () => {
  test("a race refusal is retried with the same idempotency key, then delivered", async () => {
    const { sends, convex, outbox, until } = setup((attempt) => (attempt <= 2 ? race() : ack(attempt)));
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markDelivered").length > 0);
    expect(sends).toEqual(["fastclaw-m1", "fastclaw-m1", "fastclaw-m1"]);
    expect(convex.calls("relay:markDelivered")).toEqual([{ messageId: "m1", runId: "fastclaw-m1" }]);
    expect(convex.calls("relay:markFailed")).toHaveLength(0);
    outbox.stop();
  });

  test(`a race refusal that never settles fails the message after ${MAX_RACE_REFUSALS} tries, with the gateway's reason said once`, async () => {
    const { sends, convex, outbox, clock, until } = setup(() => race());
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markFailed").length > 0);
    expect(sends).toHaveLength(MAX_RACE_REFUSALS);
    expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "m1", reason: `INVALID_REQUEST: ${RACE} (refused ${MAX_RACE_REFUSALS} times)` }]);
    clock.advance(60_000);
    await flush();
    expect(sends).toHaveLength(MAX_RACE_REFUSALS);
    outbox.stop();
  });

  test("a genuine INVALID_REQUEST (bad params) fails the message at once", async () => {
    const bad = new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "invalid chat.send params: at /message: must be string" });
    const { sends, convex, outbox, until } = setup(() => bad);
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markFailed").length > 0);
    expect(sends).toHaveLength(1);
    // The reason the app shows says it once: code, then the Gateway's words.
    expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "m1", reason: "INVALID_REQUEST: invalid chat.send params: at /message: must be string" }]);
    outbox.stop();
  });

  test("a malformed ack fails the message with what was wrong (the same key would get the same answer)", async () => {
    const { sends, convex, outbox, until } = setup(() => new GatewayProtocolError("chat.send: answer lacks runId/status"));
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markFailed").length > 0);
    expect(sends).toHaveLength(1);
    expect(convex.calls("relay:markFailed")).toEqual([{ messageId: "m1", reason: "GATEWAY_PROTOCOL_ERROR: chat.send: answer lacks runId/status" }]);
    outbox.stop();
  });

  test("race refusals are counted per message: another message's races don't use up this one's", async () => {
    const { sends, convex, outbox, until } = setup((attempt) => (attempt % 2 === 1 && attempt < 2 * MAX_RACE_REFUSALS ? race() : ack(attempt)));
    outbox.setReady(true);
    outbox.update([msg("m1"), msg("m2")]);
    await until(() => convex.calls("relay:markDelivered").length === 2);
    expect(convex.calls("relay:markFailed")).toHaveLength(0);
    expect(sends.length).toBeGreaterThan(2);
    outbox.stop();
  });

  test("retryable and UNAVAILABLE answers stay transient and are not bounded by the race count", async () => {
    const busy = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "Previous run is still shutting down. Please try again in a moment.", retryable: true, retryAfterMs: 250 });
    const starting = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "chat.send unavailable during gateway startup" });
    const tries = MAX_RACE_REFUSALS + 2;
    const { sends, convex, outbox, until } = setup((attempt) => (attempt >= tries ? ack(attempt) : attempt % 2 ? busy : starting));
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markDelivered").length > 0);
    expect(sends).toHaveLength(tries);
    expect(convex.calls("relay:markFailed")).toHaveLength(0);
    outbox.stop();
  });
});

describe("Outbox retry backoff", () => {
  test("each transient failure of a message doubles the pause before its next try, with jitter", async () => {
    const at: number[] = [];
    const busy = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "busy" });
    let clockNow = () => 0;
    const { outbox, clock } = setup(() => {
      at.push(clockNow());
      return busy;
    }, 1_000);
    clockNow = () => clock.now();
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    for (let ms = 0; ms < 1_000 + 2_000 + 4_000 + 8_000; ms += 10) {
      await flush();
      clock.advance(10);
    }
    // The n-th retry comes between half and all of 1 s × 2^(n-1) after the failure before it.
    const pauses = at.slice(1).map((t, i) => t - at[i]!);
    expect(pauses.length).toBeGreaterThanOrEqual(4);
    pauses.slice(0, 4).forEach((pause, i) => {
      expect(pause).toBeGreaterThanOrEqual(1_000 * 2 ** i * 0.5);
      expect(pause).toBeLessThanOrEqual(1_000 * 2 ** i + 10);
    });
    outbox.stop();
  });
});
