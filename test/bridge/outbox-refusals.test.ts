/** Unit: the outbox over the real GatewayAdapter, fed the refusals the Gateway gives chat.send: which are retried, which fail the message. */
import { jest } from "@jest/globals";
import { GatewayAdapter, MAX_RACE_REFUSALS } from "../../src/bridge/gateway-adapter.js";
import { Outbox, type PendingMessage } from "../../src/bridge/outbox.js";
import { GatewayRequestError, type ChatSendAck, type GatewayConnection } from "../../src/gateway/index.js";
import { silentLogger } from "../../src/logging/logger.js";
import { RecordingConvex } from "./fakes.js";

const NOW = Date.now();
const msg = (id: string): PendingMessage => ({ messageId: id, sessionKey: `s-${id}`, text: `text of ${id}`, runId: `fastclaw-${id}`, createdAt: NOW });

const RACE = "SessionMutationAuthorizationChangedError: session changed before chat.send; retry the request";
const race = () => new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: RACE });

/** The real adapter over a connection whose n-th chat.send (1-based) is answered by `answer`. */
function setup(answer: (attempt: number) => Promise<ChatSendAck> | GatewayRequestError, retryDelayMs = 1) {
  const sends: string[] = [];
  const connection = {
    state: "connected",
    chatSend: (p: { idempotencyKey: string }) => {
      sends.push(p.idempotencyKey);
      const answered = answer(sends.length);
      return answered instanceof GatewayRequestError ? Promise.reject(answered) : answered;
    },
  };
  const gateway = new GatewayAdapter(connection as unknown as GatewayConnection, silentLogger());
  const convex = new RecordingConvex();
  const outbox = new Outbox({ gateway, convex, logger: silentLogger(), maxAgeMs: 60_000, retryDelayMs });
  return { sends, convex, outbox };
}

const ack = (attempt: number): Promise<ChatSendAck> => Promise.resolve({ runId: "fastclaw-m1", status: "started", messageSeq: attempt });

async function until(settled: () => boolean): Promise<void> {
  for (let waited = 0; !settled(); waited += 5) {
    if (waited > 2_000) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("Outbox over the GatewayAdapter: chat.send refusals", () => {
  test("a race refusal is retried with the same idempotency key, then delivered", async () => {
    const { sends, convex, outbox } = setup((attempt) => (attempt <= 2 ? race() : ack(attempt)));
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markDelivered").length > 0);
    expect(sends).toEqual(["fastclaw-m1", "fastclaw-m1", "fastclaw-m1"]);
    expect(convex.calls("relay:markDelivered")).toEqual([{ messageId: "m1", runId: "fastclaw-m1" }]);
    expect(convex.calls("relay:markFailed")).toHaveLength(0);
    outbox.stop();
  });

  test(`a race refusal that never settles fails the message after ${MAX_RACE_REFUSALS} tries, with the gateway's reason`, async () => {
    const { sends, convex, outbox } = setup(() => race());
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markFailed").length > 0);
    expect(sends).toHaveLength(MAX_RACE_REFUSALS);
    expect(convex.calls("relay:markFailed")).toEqual([
      { messageId: "m1", reason: `INVALID_REQUEST: chat.send failed: INVALID_REQUEST: ${RACE} (refused ${MAX_RACE_REFUSALS} times)` },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sends).toHaveLength(MAX_RACE_REFUSALS);
    outbox.stop();
  });

  test("a genuine INVALID_REQUEST (bad params) fails the message at once", async () => {
    const bad = new GatewayRequestError("chat.send", { code: "INVALID_REQUEST", message: "invalid chat.send params: at /message: must be string" });
    const { sends, convex, outbox } = setup(() => bad);
    outbox.setReady(true);
    outbox.update([msg("m1")]);
    await until(() => convex.calls("relay:markFailed").length > 0);
    expect(sends).toHaveLength(1);
    expect(convex.calls("relay:markFailed")).toEqual([
      { messageId: "m1", reason: "INVALID_REQUEST: chat.send failed: INVALID_REQUEST: invalid chat.send params: at /message: must be string" },
    ]);
    outbox.stop();
  });

  test("retryable and UNAVAILABLE answers stay transient and are not bounded by the race count", async () => {
    const busy = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "Previous run is still shutting down. Please try again in a moment.", retryable: true, retryAfterMs: 250 });
    const starting = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "chat.send unavailable during gateway startup" });
    const tries = MAX_RACE_REFUSALS + 2;
    const { sends, convex, outbox } = setup((attempt) => (attempt >= tries ? ack(attempt) : attempt % 2 ? busy : starting));
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
    jest.useFakeTimers();
    try {
      const at: number[] = [];
      const busy = new GatewayRequestError("chat.send", { code: "UNAVAILABLE", message: "busy" });
      const { outbox } = setup(() => {
        at.push(Date.now());
        return busy;
      }, 1_000);
      outbox.setReady(true);
      outbox.update([{ ...msg("m1"), createdAt: Date.now() }]);
      await jest.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000);
      // The n-th retry comes between half and all of 1 s × 2^(n-1) after the failure before it.
      const pauses = at.slice(1).map((t, i) => t - at[i]!);
      expect(pauses).toHaveLength(4);
      pauses.forEach((pause, i) => {
        expect(pause).toBeGreaterThanOrEqual(1_000 * 2 ** i * 0.5);
        expect(pause).toBeLessThanOrEqual(1_000 * 2 ** i);
      });
      outbox.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
