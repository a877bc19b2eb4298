/** Long replies: the text the app keeps never shrinks to the Gateway's cut transcript copy, and a cut the app can't undo is marked. */
import { api } from "../../convex/_generated/api.js";
import type { TranscriptRow } from "../../convex/lib/transcript.js";
import { type Backend, usePairedBackend } from "./fixtures.js";

let t: Backend;
let relaySecret: string;
let deviceToken: string;

usePairedBackend((env) => ({ t, relaySecret, deviceToken } = env));

const KEY = "agent:main:long";
/** 20,000 characters, every line different. */
const FULL = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(4, "0")} ${"x".repeat(39)}`).join("\n").slice(0, 20_000);
/** What chat.history and session.message carry of it: 8,000 characters and the Gateway's marker. */
const CUT = `${FULL.slice(0, 8_000)}\n...(truncated)...`;

const rows = async () => (await t.query(api.app.listMessages, { deviceToken, sessionKey: KEY, paginationOpts: { numItems: 10, cursor: null } })).page;
const ingest = (messages: TranscriptRow[]) => t.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: KEY, messages });
const reply = (text: string, gatewayTruncated?: boolean): TranscriptRow => ({
  gatewayMessageId: "g-reply",
  role: "assistant",
  text,
  timestamp: 1_000,
  runId: "run-long",
  ...(gatewayTruncated === undefined ? {} : { gatewayTruncated }),
});

test("a streamed reply keeps its whole text when the transcript copy the relay got is the Gateway's cut one", async () => {
  await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: KEY, runId: "run-long", text: FULL, state: "final" });
  expect(await ingest([reply(CUT, true)])).toEqual({ inserted: 0, merged: 1, skipped: 0 });
  const [row] = await rows();
  expect(row).toMatchObject({ gatewayMessageId: "g-reply", status: "final" });
  expect(row!.text).toBe(FULL);
  expect(row!.gatewayTruncated).toBeUndefined();
});

test("a reply still streaming when the cut copy arrives keeps streaming; the relay's final write ends it whole", async () => {
  const stream = (text: string, state: "streaming" | "final") =>
    t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: KEY, runId: "run-long", text, state });
  await stream(FULL.slice(0, 15_000), "streaming");
  await ingest([reply(CUT, true)]);
  expect((await rows())[0]).toMatchObject({ status: "streaming", text: FULL.slice(0, 15_000), gatewayMessageId: "g-reply" });
  await stream(FULL, "final");
  const [row] = await rows();
  expect(row).toMatchObject({ status: "final", text: FULL, gatewayMessageId: "g-reply" });
  expect(row!.gatewayTruncated).toBeUndefined();
  expect(await t.query(api.app.streaming, { deviceToken, sessionKey: KEY })).toBeNull();
});

test("a stream that saw less than the cut copy (relay restarted mid-reply) takes the copy, marked as cut by the Gateway", async () => {
  await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: KEY, runId: "run-long", text: FULL.slice(0, 3_000), state: "streaming" });
  await t.mutation(api.relay.closeOrphanedStreams, { relaySecret, keepRunIds: [], keepSessionKeys: [], reason: "interrupted" });
  await ingest([reply(CUT, true)]);
  const [row] = await rows();
  expect(row).toMatchObject({ text: CUT, gatewayTruncated: true });
});

test("a complete transcript text is the source of truth, also when it differs from the stream", async () => {
  await t.mutation(api.relay.upsertStream, { relaySecret, sessionKey: KEY, runId: "run-long", text: `${FULL} `, state: "final" });
  await ingest([reply(FULL)]);
  const [row] = await rows();
  expect(row!.text).toBe(FULL);
  expect(row!.gatewayTruncated).toBeUndefined();
});

test("a message known only through the transcript, cut by the Gateway, is marked so the app can say so", async () => {
  await ingest([
    { gatewayMessageId: "g-cli", role: "user", text: CUT, timestamp: 1_000, gatewayTruncated: true },
    { gatewayMessageId: "g-short", role: "assistant", text: "ok", timestamp: 2_000 },
  ]);
  const [short, cli] = await rows();
  expect(cli).toMatchObject({ source: "gateway", status: "mirrored", text: CUT, gatewayTruncated: true });
  expect(short!.gatewayTruncated).toBeUndefined();
});
