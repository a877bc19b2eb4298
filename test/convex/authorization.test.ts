/** Authorization matrix: every public function, found from the modules' exports, against every bad credential. */
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { FILE_ENVELOPE_OVERHEAD, PAIRING_TTL_MS } from "../../convex/lib/limits.js";
import { exportedFunctions, type ExportedFunction } from "./convex-modules.js";
import {
  advance,
  credential,
  expectError,
  newBackend,
  pairDevice,
  REGISTRATION_KEY,
  registerInstance,
  useConvexTestFile,
  type Backend,
} from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";

/** A send of A's, sealed as a paired client seals it (the matrix builds arguments synchronously). */
const ALPHA_SEND = await sendArgs("alpha-session", "alpha-client", "hello");

type Credential = "relaySecret" | "deviceToken" | "pairingToken" | "secret";

type World = {
  t: Backend;
  a: {
    secret: string;
    instanceId: Id<"instances">;
    deviceToken: string;
    revokedToken: string;
    pendingPairingId: Id<"pairingCodes">;
    messageId: Id<"messages">;
    streamId: Id<"messages">;
    /** An upload not attached to anything yet. */
    uploadId: Id<"_storage">;
    /** Every value that identifies or belongs to instance A: none may reach a caller holding B's credential. */
    markers: string[];
  };
  b: { secret: string; deviceToken: string };
  rotatedSecret: string;
  expiredPairingToken: string;
  usedPairingToken: string;
};

type Case = {
  credential: Credential;
  /** Valid arguments for instance A, without the credential. */
  args: (w: World) => Record<string, unknown>;
  /** What B's credential with A's arguments gives: NOT_FOUND for A's ids, else B's own (A-free) data. */
  crossInstance: "NOT_FOUND" | "own data" | "not applicable";
};

const page = { numItems: 10, cursor: null };
const CASES: Record<string, Case> = {
  "instances:register": { credential: "secret", args: () => ({ name: "Alpha-Instance", registrationKey: REGISTRATION_KEY }), crossInstance: "own data" },
  "pairing:create": { credential: "relaySecret", args: () => ({ token: credential() }), crossInstance: "own data" },
  "pairing:cancel": { credential: "relaySecret", args: (w) => ({ pairingId: w.a.pendingPairingId }), crossInstance: "NOT_FOUND" },
  "pairing:watch": { credential: "relaySecret", args: (w) => ({ pairingId: w.a.pendingPairingId }), crossInstance: "NOT_FOUND" },
  "pairing:claim": {
    credential: "pairingToken",
    args: () => ({ deviceToken: credential(), deviceName: "Mallory", platform: "ios" }),
    crossInstance: "not applicable",
  },
  "pairing:reset": { credential: "relaySecret", args: () => ({ newSecret: credential() }), crossInstance: "own data" },
  "relay:info": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "relay:pendingMessages": { credential: "relaySecret", args: () => ({ limit: 500 }), crossInstance: "own data" },
  "relay:markDelivered": { credential: "relaySecret", args: (w) => ({ messageId: w.a.messageId, runId: "r" }), crossInstance: "NOT_FOUND" },
  "relay:markFailed": { credential: "relaySecret", args: (w) => ({ messageId: w.a.messageId, reason: "x" }), crossInstance: "NOT_FOUND" },
  "relay:markExpired": { credential: "relaySecret", args: (w) => ({ messageId: w.a.messageId, reason: "x" }), crossInstance: "NOT_FOUND" },
  "relay:abortRequests": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "relay:closeOrphanedStreams": {
    credential: "relaySecret",
    args: () => ({ keepRunIds: [], keepSessionKeys: [], reason: "x" }),
    crossInstance: "own data",
  },
  "relay:upsertStream": {
    credential: "relaySecret",
    args: () => ({ sessionKey: sid("alpha-session"), runId: "alpha-run", text: "overwrite", state: "final" }),
    crossInstance: "own data",
  },
  "relay:ingestTranscript": {
    credential: "relaySecret",
    args: () => ({
      sessionKey: sid("alpha-session"),
      messages: [{ gatewayMessageId: "alpha-gw-1", role: "user", text: "hijack", timestamp: 1, idempotencyKey: "alpha-run:user" }],
    }),
    crossInstance: "own data",
  },
  "relay:upsertSessions": {
    credential: "relaySecret",
    args: () => ({ sessions: [{ sessionKey: sid("alpha-session"), updatedAt: 1, title: "renamed" }] }),
    crossInstance: "own data",
  },
  "relay:heartbeat": { credential: "relaySecret", args: () => ({ relayVersion: "9.9.9", gatewayConnected: false }), crossInstance: "own data" },
  "relay:goingOffline": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "app:status": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "app:listSessions": { credential: "deviceToken", args: () => ({ paginationOpts: page }), crossInstance: "own data" },
  "app:listMessages": { credential: "deviceToken", args: () => ({ sessionKey: sid("alpha-session"), paginationOpts: page }), crossInstance: "own data" },
  "app:streaming": { credential: "deviceToken", args: () => ({ sessionKey: sid("alpha-session") }), crossInstance: "own data" },
  "app:send": {
    credential: "deviceToken",
    args: () => ALPHA_SEND,
    crossInstance: "own data",
  },
  "app:requestAbort": { credential: "deviceToken", args: (w) => ({ messageId: w.a.streamId }), crossInstance: "NOT_FOUND" },
  "app:unpair": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "web:info": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "agent:sync": {
    credential: "relaySecret",
    args: () => ({ agents: [{ agentId: "main", name: "Renamed" }], cronControl: { enabled: true } }),
    crossInstance: "own data",
  },
  "agent:state": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "cron:syncJobs": {
    credential: "relaySecret",
    args: () => ({ jobs: [{ jobId: "alpha-job", name: "hijacked", schedule: "every 1m", enabled: true }] }),
    crossInstance: "own data",
  },
  "cron:pendingRequests": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "cron:claimRequest": { credential: "relaySecret", args: () => ({ requestId: "alpha-req" }), crossInstance: "NOT_FOUND" },
  "cron:completeRequest": {
    credential: "relaySecret",
    args: () => ({ requestId: "alpha-req", outcome: "refused", reason: "x" }),
    crossInstance: "NOT_FOUND",
  },
  "cron:jobs": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "cron:request": { credential: "deviceToken", args: () => ({ requestId: "fresh-req", jobId: "alpha-job", action: "run" }), crossInstance: "NOT_FOUND" },
  "cron:requestStatus": { credential: "deviceToken", args: () => ({ requestId: "alpha-req" }), crossInstance: "own data" },
  "files:policy": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "files:generateUploadUrl": { credential: "deviceToken", args: () => ({}), crossInstance: "own data" },
  "files:list": { credential: "deviceToken", args: (w) => ({ messageIds: [w.a.streamId, w.a.messageId] }), crossInstance: "own data" },
  "files:setPolicy": { credential: "relaySecret", args: () => ({ maxBytes: 1000, maxImageBytes: 1000, retentionMs: 3_600_000 }), crossInstance: "own data" },
  "files:relayUploadUrl": { credential: "relaySecret", args: () => ({}), crossInstance: "own data" },
  "files:attach": {
    credential: "relaySecret",
    args: (w) => ({ messageId: w.a.streamId, files: [{ attachmentId: "alpha-attachment-02", storageId: w.a.uploadId, type: "image/png" }] }),
    crossInstance: "NOT_FOUND",
  },
  "files:forMessage": { credential: "relaySecret", args: (w) => ({ messageId: w.a.streamId }), crossInstance: "NOT_FOUND" },
  "files:attachmentIds": { credential: "relaySecret", args: (w) => ({ messageId: w.a.streamId }), crossInstance: "NOT_FOUND" },
  "files:gatewayMessage": { credential: "relaySecret", args: () => ({ gatewayMessageId: "alpha-gw-1" }), crossInstance: "own data" },
};

async function buildWorld(t: Backend): Promise<World> {
  // An instance whose code expired and whose secret was then rotated away.
  const c = await registerInstance(t, "Gamma");
  const expiredPairingToken = credential();
  await t.mutation(api.pairing.create, { relaySecret: c.secret, token: expiredPairingToken });
  await advance(t, PAIRING_TTL_MS);
  await t.mutation(api.pairing.reset, { relaySecret: c.secret, newSecret: credential() });

  const a = await registerInstance(t, "Alpha-Instance");
  const phone = await pairDevice(t, a.secret, "Alpha Phone");
  const revoked = await pairDevice(t, a.secret, "Alpha Old Phone");
  await t.mutation(api.app.unpair, { deviceToken: revoked.deviceToken });
  const dt = phone.deviceToken;
  const { messageId } = await t.mutation(api.app.send, { deviceToken: dt, ...(await sendArgs("alpha-session", "alpha-client", "alpha private text")) });
  const stream = { relaySecret: a.secret, sessionKey: sid("alpha-session"), runId: "alpha-run", text: "alpha streaming text", state: "streaming" as const };
  const { messageId: streamId } = await t.mutation(api.relay.upsertStream, stream);
  await t.mutation(api.app.requestAbort, { deviceToken: dt, messageId: streamId });
  const sealedBytes = (): Blob => new Blob([new Uint8Array(FILE_ENVELOPE_OVERHEAD + 10)]);
  const attached = await t.run(async (ctx) => await ctx.storage.store(sealedBytes()));
  await t.mutation(api.files.attach, {
    relaySecret: a.secret,
    messageId: streamId,
    files: [{ attachmentId: "alpha-attachment-01", storageId: attached, type: "image/png" }],
  });
  const uploadId = await t.run(async (ctx) => await ctx.storage.store(sealedBytes()));
  await t.mutation(api.relay.ingestTranscript, {
    relaySecret: a.secret,
    sessionKey: sid("alpha-session"),
    messages: [{ gatewayMessageId: "alpha-gw-1", role: "assistant", text: "alpha transcript text", timestamp: 5 }],
  });
  await t.mutation(api.relay.upsertSessions, { relaySecret: a.secret, sessions: [{ sessionKey: sid("alpha-session"), updatedAt: 7, title: "Alpha Title" }] });
  await t.mutation(api.relay.heartbeat, { relaySecret: a.secret, relayVersion: "alpha-relay-1", gatewayConnected: true, gatewayVersion: "alpha-gw-9" });
  const { pairingId: pendingPairingId } = await t.mutation(api.pairing.create, { relaySecret: a.secret, token: credential() });
  await t.mutation(api.agent.sync, {
    relaySecret: a.secret,
    agents: [{ agentId: "alpha-agent", name: "Alpha Agent" }],
    skills: [{ name: "alpha-skill", eligible: true, disabled: false }],
    cronControl: { enabled: true },
  });
  await t.mutation(api.cron.syncJobs, { relaySecret: a.secret, jobs: [{ jobId: "alpha-job", name: "Alpha Job", schedule: "every 1h", enabled: true }] });
  await t.mutation(api.cron.request, { deviceToken: dt, requestId: "alpha-req", jobId: "alpha-job", action: "run" });

  const b = await registerInstance(t, "Beta");
  const bPhone = await pairDevice(t, b.secret, "Beta Phone");
  await t.mutation(api.app.send, { deviceToken: bPhone.deviceToken, ...(await sendArgs("beta-session", "beta-1", "beta text")) });

  const markers = [
    a.instanceId,
    "Alpha-Instance",
    "Alpha Phone",
    "Alpha Old Phone",
    phone.deviceId,
    revoked.deviceId,
    "alpha-session",
    sid("alpha-session"),
    "alpha private text",
    "alpha-client",
    "alpha-run",
    "alpha streaming text",
    "alpha transcript text",
    "alpha-gw-1",
    "alpha-cursor",
    "Alpha Title",
    "alpha-relay-1",
    "Alpha Agent",
    "alpha-skill",
    "Alpha Job",
    "alpha-req",
    "alpha-attachment-01",
    messageId,
    streamId,
    pendingPairingId,
    phone.pairingId,
  ];
  return {
    t,
    a: { secret: a.secret, instanceId: a.instanceId, deviceToken: dt, revokedToken: revoked.deviceToken, pendingPairingId, messageId, streamId, uploadId, markers },
    b: { secret: b.secret, deviceToken: bPhone.deviceToken },
    rotatedSecret: c.secret,
    expiredPairingToken,
    usedPairingToken: phone.pairingToken,
  };
}

/** Instance A's rows, every table, as JSON: compared before and after a call to prove it wasn't touched. */
async function rowsOfA(w: World): Promise<string> {
  const id = w.a.instanceId;
  return w.t.run(async (ctx) => {
    const instance = await ctx.db.get(id);
    const byInstance = {
      devices: await ctx.db.query("devices").withIndex("by_instance_status", (q) => q.eq("instanceId", id)).collect(),
      pairingCodes: await ctx.db.query("pairingCodes").withIndex("by_instance_status", (q) => q.eq("instanceId", id)).collect(),
      presence: await ctx.db.query("presence").withIndex("by_instance", (q) => q.eq("instanceId", id)).collect(),
      sessions: await ctx.db.query("sessions").withIndex("by_instance_key", (q) => q.eq("instanceId", id)).collect(),
      messages: await ctx.db.query("messages").withIndex("by_instance_session_order", (q) => q.eq("instanceId", id)).collect(),
      agentState: await ctx.db.query("agentState").withIndex("by_instance", (q) => q.eq("instanceId", id)).collect(),
      cronJobs: await ctx.db.query("cronJobs").withIndex("by_instance_job", (q) => q.eq("instanceId", id)).collect(),
      cronRequests: await ctx.db.query("cronRequests").withIndex("by_instance_request", (q) => q.eq("instanceId", id)).collect(),
      files: (await ctx.db.query("files").collect()).filter((f) => f.instanceId === id),
      filePolicies: await ctx.db.query("filePolicies").withIndex("by_instance", (q) => q.eq("instanceId", id)).collect(),
    };
    return JSON.stringify({ instance, ...byInstance });
  });
}

function call(t: Backend, fn: ExportedFunction, args: Record<string, unknown>): Promise<unknown> {
  if (fn.kind === "query") return t.query(makeFunctionReference<"query", Record<string, unknown>, unknown>(fn.name), args);
  if (fn.kind === "mutation") return t.mutation(makeFunctionReference<"mutation", Record<string, unknown>, unknown>(fn.name), args);
  return t.action(makeFunctionReference<"action", Record<string, unknown>, unknown>(fn.name), args);
}

/** The call's result, or the error's data/message: whatever a caller would see. */
async function outcome(call: Promise<unknown>): Promise<{ ok: boolean; seen: string }> {
  try {
    return { ok: true, seen: JSON.stringify(await call) };
  } catch (error) {
    if (error instanceof ConvexError) return { ok: false, seen: JSON.stringify(error.data) };
    return { ok: false, seen: error instanceof Error ? error.message : String(error) };
  }
}

const MALFORMED = ["", "short", "a".repeat(42), "a".repeat(129), `${"a".repeat(42)}!`, `${"a".repeat(40)} or 1=1`];

let functions: ExportedFunction[];
beforeAll(async () => {
  functions = (await exportedFunctions()).filter((fn) => fn.isPublic);
});
useConvexTestFile();

test("the matrix covers every public function, and each has a credential argument and a returns validator", () => {
  expect(functions.map((fn) => fn.name)).toEqual(Object.keys(CASES).sort());
  for (const fn of functions) {
    const c = CASES[fn.name];
    expect(c).toBeDefined();
    expect({ fn: fn.name, credential: fn.args.value?.[c?.credential ?? ""]?.optional }).toEqual({ fn: fn.name, credential: false });
    expect({ fn: fn.name, returns: fn.returns }).not.toEqual({ fn: fn.name, returns: null });
  }
});

describe.each(Object.keys(CASES).sort())("%s", (name) => {
  let w: World;
  let fn: ExportedFunction;
  let c: Case;
  const withCredential = (value: string | undefined): Record<string, unknown> => {
    const args = c.args(w);
    return value === undefined ? args : { ...args, [c.credential]: value };
  };

  beforeEach(async () => {
    w = await buildWorld(newBackend());
    const found = functions.find((f) => f.name === name);
    if (found === undefined) throw new Error(`${name} is not exported`);
    fn = found;
    c = CASES[name] as Case;
  });

  test("no credential → refused", async () => {
    const before = await rowsOfA(w);
    await expect(call(w.t, fn, withCredential(undefined))).rejects.toThrow();
    expect(await rowsOfA(w)).toBe(before);
  });

  test("malformed credential → BAD_REQUEST", async () => {
    const before = await rowsOfA(w);
    for (const bad of MALFORMED) await expectError(call(w.t, fn, withCredential(bad)), "BAD_REQUEST");
    expect(await rowsOfA(w)).toBe(before);
  });

  test("unknown, revoked, rotated, expired or used credential → refused", async () => {
    const before = await rowsOfA(w);
    if (c.credential === "relaySecret") {
      await expectError(call(w.t, fn, withCredential(credential())), "UNAUTHORIZED");
      await expectError(call(w.t, fn, withCredential(w.rotatedSecret)), "UNAUTHORIZED");
    } else if (c.credential === "deviceToken") {
      await expectError(call(w.t, fn, withCredential(credential())), "UNAUTHORIZED");
      await expectError(call(w.t, fn, withCredential(w.a.revokedToken)), "UNAUTHORIZED");
      // The same token as a relay secret or pairing token is just unknown there.
      await expectError(w.t.query(api.relay.info, { relaySecret: w.a.deviceToken }), "UNAUTHORIZED");
    } else if (c.credential === "pairingToken") {
      await expectError(call(w.t, fn, withCredential(credential())), "PAIRING_INVALID");
      await expectError(call(w.t, fn, withCredential(w.expiredPairingToken)), "PAIRING_EXPIRED");
      await expectError(call(w.t, fn, withCredential(w.usedPairingToken)), "PAIRING_ALREADY_CLAIMED");
      await expectError(call(w.t, fn, withCredential(w.a.deviceToken)), "PAIRING_INVALID");
    } else {
      // register: an unknown or rotated-away secret opens a new, empty namespace, never an old one.
      for (const secret of [credential(), w.rotatedSecret]) {
        const result = (await call(w.t, fn, withCredential(secret))) as { instanceId: string };
        expect(result.instanceId).not.toBe(w.a.instanceId);
        const info = await w.t.query(api.relay.info, { relaySecret: secret });
        expect(info).toMatchObject({ pairedDevices: 0, pendingPairing: false });
      }
    }
    expect(await rowsOfA(w)).toBe(before);
  });

  test("another instance's credential with A's arguments → nothing of A is seen or changed", async () => {
    if (c.crossInstance === "not applicable") return;
    const before = await rowsOfA(w);
    const other = c.credential === "deviceToken" ? w.b.deviceToken : w.b.secret;
    const result = await outcome(call(w.t, fn, withCredential(other)));
    if (c.crossInstance === "NOT_FOUND") {
      expect(result.ok).toBe(false);
      expect(JSON.parse(result.seen)).toMatchObject({ code: "NOT_FOUND" });
    } else {
      expect(result.ok).toBe(true);
    }
    const leaked = w.a.markers.filter((m) => result.seen.includes(m));
    // Arguments B passed in (e.g. a session key) may come back as B's own data; nothing else of A may.
    const echoed = JSON.stringify(c.args(w));
    expect(leaked.filter((m) => !echoed.includes(m))).toEqual([]);
    expect(await rowsOfA(w)).toBe(before);
  });
});
