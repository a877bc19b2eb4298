/** One try of an app message and the retry rule: which failures end a message, how long a session pauses before the next try. */
import type { AttachmentSource } from "../../src/bridge/app-files.js";
import type { ChatSendResult, GatewayFailure } from "../../src/bridge/ports.js";
import { MAX_RACE_REFUSALS, NO_TRIES, nextTry, retryDelay, sendOnce, type RetryRule } from "../../src/bridge/send-retry.js";
import { FakeGateway } from "./fakes.js";

const failure = (kind: GatewayFailure["kind"]): GatewayFailure => ({ kind, code: "UNAVAILABLE", reason: "busy" });
/** Jitter pinned to either end of its range. */
const rule = (random: number, baseDelayMs = 1_000): RetryRule => ({ baseDelayMs, random: () => random });

describe("nextTry", () => {
  test("a refusal for good fails the message at once, whatever came before", () => {
    expect(nextTry({ failures: 3, races: 2 }, failure("rejected"), false, rule(0))).toEqual({ kind: "failed", races: 0 });
  });

  test("a transient failure retries with the failure counted; races stay as they were", () => {
    expect(nextTry({ failures: 1, races: 2 }, failure("transient"), false, rule(0))).toEqual({ kind: "retry", tries: { failures: 2, races: 2 }, delayMs: 1_000 });
  });

  test(`race refusals are counted, and the ${MAX_RACE_REFUSALS}th fails the message naming how many there were`, () => {
    const almost = { failures: MAX_RACE_REFUSALS - 2, races: MAX_RACE_REFUSALS - 2 };
    expect(nextTry(almost, failure("race"), false, rule(0))).toMatchObject({ kind: "retry", tries: { races: MAX_RACE_REFUSALS - 1 } });
    expect(nextTry({ ...almost, races: MAX_RACE_REFUSALS - 1 }, failure("race"), false, rule(0))).toEqual({ kind: "failed", races: MAX_RACE_REFUSALS });
  });

  test("a message past its age is expired instead of retried, unless its last race already failed it", () => {
    expect(nextTry(NO_TRIES, failure("transient"), true, rule(0))).toEqual({ kind: "expired" });
    expect(nextTry({ failures: 0, races: MAX_RACE_REFUSALS - 1 }, failure("race"), true, rule(0))).toEqual({ kind: "failed", races: MAX_RACE_REFUSALS });
  });
});

describe("retryDelay", () => {
  test("doubles per failure, between half and all of the step, capped at 30 s", () => {
    expect([1, 2, 3].map((n) => retryDelay(n, rule(0)))).toEqual([500, 1_000, 2_000]);
    expect([1, 2, 3].map((n) => retryDelay(n, rule(0.999_999)))).toEqual([1_000, 2_000, 4_000].map((d) => expect.closeTo(d, 0)));
    expect(retryDelay(20, rule(0.999_999))).toBeCloseTo(30_000, 0);
  });

  test("a base above the cap is kept, not cut down to it", () => {
    expect(retryDelay(3, rule(0.999_999, 60_000))).toBeCloseTo(60_000, 0);
  });
});

describe("sendOnce", () => {
  const message = { messageId: "m1", sessionKey: "main", text: "hi", runId: "fastclaw-m1" };
  const files = (load: AttachmentSource["load"]): AttachmentSource => ({ load });

  test("a message without files sends chat.send under its idempotency key, no file lookup made", async () => {
    const gateway = new FakeGateway();
    let lookups = 0;
    const result = await sendOnce(message, gateway, files(() => ((lookups += 1), Promise.resolve({ ok: true, files: [] }))));
    expect(result).toEqual({ ok: true, runId: "fastclaw-m1", status: "started" });
    expect(gateway.sends).toEqual([{ sessionKey: "main", message: "hi", idempotencyKey: "fastclaw-m1" }]);
    expect(lookups).toBe(0);
  });

  test("files refused: nothing is sent, and the refusal is the answer", async () => {
    const gateway = new FakeGateway();
    const refused: GatewayFailure = { kind: "rejected", code: "FILE_TOO_LARGE", reason: "too large" };
    const result = await sendOnce({ ...message, fileCount: 1 }, gateway, files(() => Promise.resolve({ ok: false, failure: refused })));
    expect(result).toEqual({ ok: false, failure: refused });
    expect(gateway.sends).toEqual([]);
  });

  test("a port that throws instead of answering with data gives a failure, never a rejection", async () => {
    const gateway = new FakeGateway();
    const throwingLoad = await sendOnce({ ...message, fileCount: 1 }, gateway, files(() => Promise.reject(new Error("bug"))));
    expect(throwingLoad.ok).toBe(false);
    gateway.chatSend = (): Promise<ChatSendResult> => Promise.reject(new Error("bug"));
    const throwingSend = await sendOnce(message, gateway, undefined);
    expect(throwingSend.ok).toBe(false);
  });
});
