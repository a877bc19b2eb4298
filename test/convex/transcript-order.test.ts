/** A session's list follows the Gateway transcript's order once messages are mirrored; rows not mirrored yet sit after it. */
import { jest } from "@jest/globals";
import { api } from "../../convex/_generated/api.js";
import { spread } from "../../convex/lib/order.js";
import type { TranscriptRow } from "../../convex/lib/transcript.js";
import { type Backend, usePairedBackend } from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";
import type { MessageRow } from "../../convex/lib/rows.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

const KEY = sid("agent:main:burst");

/** The app's view, oldest first, following listMessages' pages of `numItems`. */
async function listed(numItems = 50): Promise<string[]> {
  const rows: MessageRow[] = [];
  let cursor: string | null = null;
  for (;;) {
    const result: { page: MessageRow[]; isDone: boolean; continueCursor: string } = await t.query(api.app.listMessages, { deviceToken, sessionKey: KEY, paginationOpts: { numItems, cursor } });
    rows.push(...result.page);
    if (result.isDone) break;
    cursor = result.continueCursor;
  }
  // App rows are sealed by the (test) client; relay rows here are written by the test in the clear.
  const text = (r: MessageRow) => (r.source === "app" ? openText(r) : r.text);
  return Promise.all(rows.reverse().map(async (r) => `${r.role}:${await text(r)}:${r.status}`));
}

const ingest = (messages: TranscriptRow[]) => t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: KEY, messages });
const stream = (runId: string, text: string, state: "streaming" | "final") =>
  t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: KEY, runId, text, state });

/** Three app messages sent within 20 ms, delivered at once: the Gateway runs them one after another. */
async function burst(): Promise<string[]> {
  const runIds: string[] = [];
  for (const text of ["one", "two", "three"]) {
    const { messageId } = await t.mutation(api.app.send, { deviceToken, ...(await sendArgs("agent:main:burst", `c-${text}`, text)) });
    const pending = await t.query(api.relay.pendingMessages, { relaySecret });
    const runId = pending.find((p) => p.messageId === messageId)!.runId;
    await t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId });
    runIds.push(runId);
    jest.advanceTimersByTime(10);
  }
  return runIds;
}

/** The transcript of one turn: the app's message recorded when its turn starts, then the reply. */
function turn(runId: string, text: string, recordedAt: number, replyRun: string): TranscriptRow[] {
  const sentAt = recordedAt - 5_000; // the user message's own timestamp is its send time
  return [
    { gatewayMessageId: `u-${text}`, role: "user", text, timestamp: sentAt, recordedAt, idempotencyKey: `${runId}:user` },
    { gatewayMessageId: `a-${text}`, role: "assistant", text: `reply ${text}`, timestamp: recordedAt + 400, recordedAt: recordedAt + 500, runId: replyRun },
  ];
}

test("after a burst the list interleaves each message with its reply, as the transcript does, on every page", async () => {
  const [r1, r2, r3] = await burst();
  const t0 = Date.now();
  // Each reply streams (a row of its own, made when its first delta arrives), then the transcript settles both.
  for (const [runId, text, replyRun, at] of [[r1!, "one", r1!, t0 + 1_000], [r2!, "two", "run-b", t0 + 2_000], [r3!, "three", "run-c", t0 + 3_000]] as const) {
    jest.advanceTimersByTime(1_000);
    await stream(replyRun, `reply ${text}`, "final");
    await ingest(turn(runId, text, at, replyRun));
  }
  const expected = ["one", "two", "three"].flatMap((text) => [`user:${text}:delivered`, `assistant:reply ${text}:final`]);
  expect(await listed()).toEqual(expected);
  expect(await listed(1)).toEqual(expected);
  expect(await listed(4)).toEqual(expected);
});

test("while the burst runs, messages waiting for their turn stay after the transcript, in the order sent", async () => {
  const [r1] = await burst();
  const t0 = Date.now();
  // The first message is recorded after the other two were sent; its reply starts streaming.
  await ingest([{ gatewayMessageId: "u-one", role: "user", text: "one", timestamp: t0 - 30, recordedAt: t0 + 900, idempotencyKey: `${r1}:user` }]);
  expect(await listed()).toEqual(["user:one:delivered", "user:two:delivered", "user:three:delivered"]);
  jest.advanceTimersByTime(1_000);
  await stream(r1!, "reply o", "streaming");
  expect(await listed()).toEqual(["user:one:delivered", "user:two:delivered", "user:three:delivered", "assistant:reply o:streaming"]);
  // The reply is recorded: the waiting messages now come after it.
  await ingest([{ gatewayMessageId: "a-one", role: "assistant", text: "reply one", timestamp: t0 + 1_400, recordedAt: t0 + 1_500, runId: r1 }]);
  expect(await listed()).toEqual(["user:one:delivered", "assistant:reply one:final", "user:two:delivered", "user:three:delivered"]);
});

test("a message that failed stays where it was sent; a message from another channel goes where the transcript puts it", async () => {
  const t0 = Date.now();
  await ingest([{ gatewayMessageId: "u-cli", role: "user", text: "from the CLI", timestamp: t0 - 100, recordedAt: t0 - 100 }]);
  jest.advanceTimersByTime(50);
  const { messageId } = await t.mutation(api.app.send, { deviceToken, ...(await sendArgs("agent:main:burst", "c-f", "refused")) });
  await t.mutation(api.relay.markFailed, { relaySecret, messageId, reason: "gateway refused" });
  jest.advanceTimersByTime(50);
  await ingest([{ gatewayMessageId: "a-cli", role: "assistant", text: "CLI reply", timestamp: t0 + 500, recordedAt: t0 + 500 }]);
  expect(await listed()).toEqual(["user:from the CLI:mirrored", "user:refused:failed", "assistant:CLI reply:mirrored"]);
  // A message recorded before the failed one, arriving late (catch-up after a gap), goes before it.
  await ingest([{ gatewayMessageId: "s-early", role: "system", text: "early", timestamp: t0 - 50, recordedAt: t0 - 50 }]);
  expect(await listed()).toEqual(["user:from the CLI:mirrored", "system:early:mirrored", "user:refused:failed", "assistant:CLI reply:mirrored"]);
});

test("rows expose their order to the app", async () => {
  await ingest([{ gatewayMessageId: "g-1", role: "user", text: "a", timestamp: 10, recordedAt: 20 }]);
  const { page } = await t.query(api.app.listMessages, { deviceToken, sessionKey: KEY, paginationOpts: { numItems: 5, cursor: null } });
  expect(page[0]).toMatchObject({ order: 20, createdAt: 10 });
});

test("spread places rows strictly between two orders, one apart when there is room", () => {
  expect(spread(10, undefined, 3)).toEqual([11, 12, 13]);
  expect(spread(10, 100, 2)).toEqual([11, 12]);
  const tight = spread(10, 11, 3);
  expect(tight).toEqual([10.25, 10.5, 10.75]);
});
