/** The local server's DatabaseFake index with the project's own schema and functions: same answers as plain convex-test. */
import { expect, jest, test } from "@jest/globals";
import { api } from "../../convex/_generated/api.js";
import { newBackend, REGISTRATION_KEY, useConvexTestFile, type Backend } from "../convex/fixtures.js";
import { envelopeShaped, sid } from "../convex/sealed.js";
import { accelerate, random } from "./table-index-ops.js";

useConvexTestFile();

const SECRET = "s".repeat(43);
const SESSIONS = ["agent:main:a", "agent:main:b", "agent:main:c"].map(sid);
type Step = (t: Backend) => Promise<unknown>;

/** Errors are outcomes too: both backends must fail the same way. */
async function outcome(step: Step, t: Backend): Promise<unknown> {
  try {
    return await step(t);
  } catch (error) {
    return { error: String(error), data: (error as { data?: unknown }).data ?? null };
  }
}

async function setup(t: Backend): Promise<string> {
  await t.mutation(api.instances.register, { secret: SECRET, name: "Home", registrationKey: REGISTRATION_KEY });
  await t.mutation(api.pairing.create, { relaySecret: SECRET, token: "p".repeat(43) });
  const deviceToken = "d".repeat(43);
  await t.action(api.pairing.claim, { pairingToken: "p".repeat(43), deviceToken, deviceName: "Pixel", platform: "android" });
  return deviceToken;
}

/**
 * Random relay and app traffic; ids and run ids seen in earlier results feed later steps (merges, aborts, settles).
 * Every random choice is made when a step is drawn, never inside the call, so both backends get the same arguments.
 */
function traffic(seed: number, deviceToken: string) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const messageIds: string[] = [];
  const runIds: string[] = [];
  const learn = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(learn);
    else if (typeof value === "object" && value !== null) {
      for (const [key, field] of Object.entries(value)) {
        if (key === "messageId" && typeof field === "string" && !messageIds.includes(field)) messageIds.push(field);
        else if (key === "runId" && typeof field === "string" && !runIds.includes(field)) runIds.push(field);
        else learn(field);
      }
    }
  };
  const message = () => pick(messageIds.length === 0 ? ["10001messages"] : messageIds);
  const session = () => pick(SESSIONS);
  const n = (max: number) => Math.floor(next() * max);
  const transcriptRow = () => {
    const r = next();
    const base = { gatewayMessageId: `g${n(60)}`, text: `t${n(9)}`, timestamp: 1_700_000_000_000 + n(1000) };
    if (r < 0.3 && runIds.length > 0) return { ...base, role: "user" as const, idempotencyKey: `${pick(runIds)}:user` };
    if (r < 0.6) return { ...base, role: "assistant" as const, runId: `r${n(6)}` };
    return { ...base, role: pick(["user", "assistant", "system", "tool"] as const) };
  };
  const steps: Array<[number, () => Step]> = [
    [0.2, () => { const a = { deviceToken, sessionKey: session(), sessionKeyEnc: envelopeShaped("key"), clientMessageId: `c${n(40)}`, text: envelopeShaped(`m${n(9)}`) }; return (t) => t.mutation(api.app.send, a); }],
    [0.15, () => { const a = { relaySecret: SECRET, sessionKey: session(), messages: Array.from({ length: 1 + n(3) }, transcriptRow) }; return (t) => t.mutation(api.relay.ingestTranscript, a); }],
    [0.1, () => { const a = { relaySecret: SECRET, sessionKey: session(), runId: `r${n(6)}`, text: `s${n(9)}`, state: pick(["streaming", "streaming", "final", "error", "aborted"] as const) }; return (t) => t.mutation(api.relay.upsertStream, a); }],
    [0.08, () => { const a = { relaySecret: SECRET, messageId: message() as never, runId: `x${n(5)}` }; return (t) => t.mutation(api.relay.markDelivered, a); }],
    [0.04, () => { const a = { relaySecret: SECRET, messageId: message() as never, reason: "no" }; return (t) => t.mutation(api.relay.markFailed, a); }],
    [0.05, () => { const a = { deviceToken, messageId: message() as never }; return (t) => t.mutation(api.app.requestAbort, a); }],
    [0.04, () => { const a = { relaySecret: SECRET, sessions: [{ sessionKey: session(), updatedAt: 1_700_000_000_000 + n(1000), title: `T${n(3)}` }] }; return (t) => t.mutation(api.relay.upsertSessions, a); }],
    [0.12, () => { const a = { deviceToken, sessionKey: session(), paginationOpts: { numItems: 1 + n(20), cursor: null } }; return (t) => t.query(api.app.listMessages, a); }],
    [0.06, () => { const a = { deviceToken, sessionKey: session() }; return (t) => t.query(api.app.streaming, a); }],
    [0.06, () => { const a = { relaySecret: SECRET, limit: 1 + n(10) }; return (t) => t.query(api.relay.pendingMessages, a); }],
    [0.04, () => (t) => t.query(api.relay.abortRequests, { relaySecret: SECRET })],
    [0.03, () => { const a = { deviceToken, paginationOpts: { numItems: 1 + n(5), cursor: null } }; return (t) => t.query(api.app.listSessions, a); }],
  ];
  const step = (): Step => {
    let r = next() * steps.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, make] of steps) {
      if ((r -= weight) < 0) return make();
    }
    return steps[0]![1]();
  };
  return { step, learn };
}

test.each([1, 2, 3, 4, 5, 6])("project traffic, seed %i", async (seed) => {
  let clock = 1_700_000_000_000;
  jest.setSystemTime(clock);
  const plain = newBackend();
  const fast = newBackend();
  await plain.query(async () => null);
  await accelerate(() => fast.query(async () => null));
  const deviceToken = await setup(plain);
  expect(await setup(fast)).toBe(deviceToken);
  const gen = traffic(seed, deviceToken);
  for (let i = 0; i < 200; i++) {
    clock += Math.floor(next3(seed, i) * 4);
    jest.setSystemTime(clock);
    const step = gen.step();
    const expected = await outcome(step, plain);
    expect({ i, result: await outcome(step, fast) }).toEqual({ i, result: expected });
    gen.learn(expected);
  }
  const everything = (t: Backend) =>
    t.run(async (ctx) => ({
      messages: await ctx.db.query("messages").collect(),
      sessions: await ctx.db.query("sessions").collect(),
      devices: await ctx.db.query("devices").collect(),
    }));
  expect(await everything(fast)).toEqual(await everything(plain));
});

/** A clock step independent of the traffic generator's sequence. */
function next3(seed: number, i: number): number {
  return random(seed * 1000 + i)();
}
