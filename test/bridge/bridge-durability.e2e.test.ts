/**
 * Bridge e2e: Convex down while the spool can't be written. The spool file is a symlink to /dev/full,
 * so every append fails with a real ENOSPC from the kernel; "space returns" when the link is removed.
 */
import { mkdir, readFile, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { runRelayCli } from "../chat/relay-cli.js";
import { expectTranscriptMatchesConvex, eventually, sessionKey, usePipeline, type Pipeline } from "./pipeline.js";

const current = usePipeline();

const stateDir = (pipeline: Pipeline) => pipeline.home.env.FASTCLAW_STATE_DIR!;
const spoolFile = (pipeline: Pipeline) => path.join(stateDir(pipeline), "spool", "writes.jsonl");

/** Only while the relay writes directly (its spool is empty): nothing on disk is thrown away. */
async function fillDisk(pipeline: Pipeline): Promise<void> {
  const state = await pipeline.runtime();
  expect(state?.convex.connected).toBe(true);
  await mkdir(path.dirname(spoolFile(pipeline)), { recursive: true, mode: 0o700 });
  await rm(spoolFile(pipeline), { force: true });
  await symlink("/dev/full", spoolFile(pipeline));
}

async function freeDisk(pipeline: Pipeline): Promise<void> {
  await rm(spoolFile(pipeline), { force: true }); // the symlink; the relay creates a real file at its next try
}

/** Takes Convex away and waits until the relay knows: only then do its writes go to the (full) spool. */
async function convexDown(pipeline: Pipeline): Promise<void> {
  await pipeline.convex.goOffline();
  await eventually(async () => {
    if ((await pipeline.runtime())?.convex.connected !== false) throw new Error("relay still sees Convex");
  }, 90_000);
}

// A failed test must not leave the next one with Convex away or the disk full.
afterEach(async () => {
  const pipeline = current();
  await freeDisk(pipeline);
  await pipeline.convex.goOnline();
});

/**
 * Messages from another operator client (another channel), each answered by the stub model. One at a
 * time: a message sent while the session's turn is running is queued by the Gateway and may be
 * answered together with the next one, in one reply.
 */
async function sendFromOtherChannel(pipeline: Pipeline, key: string, count: number, label: string): Promise<void> {
  const repliesBefore = await assistantReplies(pipeline, key);
  for (let n = 0; n < count; n += 1) {
    await pipeline.operator.connection.chatSend({ sessionKey: key, message: `${label} ${n}`, idempotencyKey: `${label}-${n}-${Date.now()}` });
    await eventually(async () => {
      const replies = (await assistantReplies(pipeline, key)) - repliesBefore;
      if (replies < n + 1) throw new Error(`${replies} of ${n + 1} replies in the transcript`);
    }, 120_000);
  }
}

async function assistantReplies(pipeline: Pipeline, key: string): Promise<number> {
  const history = await pipeline.operator.connection.chatHistory({ sessionKey: key, limit: 1000 });
  const entries = history.kind === "reset" ? [] : history.entries;
  return entries.filter((entry) => entry.message.role === "assistant").length;
}

async function spoolFailing(pipeline: Pipeline) {
  return eventually(async () => {
    const spool = (await pipeline.runtime())?.convex.spool;
    if (spool?.state !== "failing" || spool.heldWrites === 0) throw new Error(`spool is ${JSON.stringify(spool)}`);
    return spool;
  }, 60_000);
}

async function cursorOf(pipeline: Pipeline, key: string): Promise<string | undefined> {
  try {
    const file = JSON.parse(await readFile(path.join(stateDir(pipeline), "cursors.json"), "utf8")) as { sessions: Record<string, string> };
    return file.sessions[key];
  } catch {
    return undefined;
  }
}

test("Convex down and the disk full: messages are held, status says so; Convex back: each message in Convex exactly once", async () => {
  const pipeline = current();
  const key = sessionKey("diskfull");
  await fillDisk(pipeline);
  await convexDown(pipeline);

  await sendFromOtherChannel(pipeline, key, 4, "held");
  const spool = await spoolFailing(pipeline);
  expect(spool.failure).toMatchObject({ operation: "write", code: "ENOSPC" });
  const status = await runRelayCli(["status", "--json", "--require-healthy"], pipeline.home.env);
  expect(status.code).toBe(1);
  const report = JSON.parse(status.stdout) as { problems: string[] };
  expect(report.problems.some((problem) => problem.startsWith("spool failing: cannot write (ENOSPC"))).toBe(true);

  await pipeline.convex.goOnline(); // the disk is still full: the held writes go straight to Convex
  await expectTranscriptMatchesConvex(pipeline, key, 90_000);
  // /dev/full can't be emptied (ftruncate: EINVAL; a full disk's file can): the replay waits for it.
  await freeDisk(pipeline);
  await eventually(async () => {
    const state = await pipeline.runtime();
    if (state?.convex.spool?.state !== "ok") throw new Error(`spool is ${JSON.stringify(state?.convex.spool)}`);
  }, 90_000);
  await expectTranscriptMatchesConvex(pipeline, key);
  await eventually(async () => {
    if (!(await cursorOf(pipeline, key))) throw new Error("no cursor for the session yet");
  }, 30_000);
}, 300_000);

test("space returns while Convex is still down: the held messages are spooled, then replayed exactly once", async () => {
  const pipeline = current();
  const key = sessionKey("spaceback");
  await fillDisk(pipeline);
  await convexDown(pipeline);
  await sendFromOtherChannel(pipeline, key, 3, "later");
  await spoolFailing(pipeline);

  await freeDisk(pipeline);
  await eventually(async () => {
    const state = await pipeline.runtime();
    if (state?.convex.spool?.state !== "ok" || state.convex.spooledWrites === 0) throw new Error(`spool is ${JSON.stringify(state?.convex)}`);
  }, 90_000);
  await pipeline.convex.goOnline();
  await expectTranscriptMatchesConvex(pipeline, key, 90_000);
}, 300_000);

test("a relay stopped while the disk is full exits 1; restarted after space returns, it fetches what it held from the Gateway, exactly once", async () => {
  const pipeline = current();
  const key = sessionKey("restart");
  await sendFromOtherChannel(pipeline, key, 1, "before"); // the session has a durable cursor
  await expectTranscriptMatchesConvex(pipeline, key, 60_000);
  await eventually(async () => {
    if (!(await cursorOf(pipeline, key))) throw new Error("no cursor for the session yet");
  }, 30_000);

  await fillDisk(pipeline);
  await convexDown(pipeline);
  await sendFromOtherChannel(pipeline, key, 3, "lost-with-the-process");
  await spoolFailing(pipeline);
  pipeline.relay!.child.kill("SIGTERM");
  expect(await pipeline.relay!.exited).toBe(1);
  expect(pipeline.relay!.output()).toContain("reached neither Convex nor the disk");

  await freeDisk(pipeline);
  pipeline.spawnRelay(); // Convex still down: the catch-up from the cursor goes to the spool
  await eventually(async () => {
    const state = await pipeline.runtime();
    if (!state || state.pid !== pipeline.relay!.child.pid || !state.gateway.connected || state.convex.spooledWrites === 0) {
      throw new Error(`restarted relay has not spooled yet: ${JSON.stringify(state?.convex)}`);
    }
  }, 90_000);
  await pipeline.convex.goOnline();
  await pipeline.waitForRelay(90_000);
  await expectTranscriptMatchesConvex(pipeline, key, 90_000);
}, 360_000);
