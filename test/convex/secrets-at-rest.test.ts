/** No secrets at rest: after a whole lifecycle no row holds a credential in clear, and no answer holds one or its hash. */
import { createHash } from "node:crypto";
import type { TableNames } from "../../convex/_generated/dataModel.js";
import { api } from "../../convex/_generated/api.js";
import schema from "../../convex/schema.js";
import { advance, credential, expectError, newBackend, REGISTRATION_KEY, useConvexTestFile, type Backend } from "./fixtures.js";
import { openText, sendArgs, sid } from "./sealed.js";

let t: Backend;
useConvexTestFile(() => t);
beforeEach(() => {
  t = newBackend();
});

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

test("a full lifecycle leaves only hashes in the database and nothing secret in any answer", async () => {
  const answers: unknown[] = [];
  const keep = async <T>(call: Promise<T>): Promise<T> => {
    const value = await call;
    answers.push(value);
    return value;
  };
  const relaySecret = credential();
  const newSecret = credential();
  const pairingToken = credential();
  const pendingToken = credential();
  const deviceToken = credential();
  const secondDeviceToken = credential();

  await keep(t.mutation(api.instances.register, { secret: relaySecret, name: "Home", registrationKey: REGISTRATION_KEY }));
  const { pairingId } = await keep(t.mutation(api.pairing.create, { relaySecret, token: pairingToken }));
  await keep(t.query(api.pairing.watch, { relaySecret, pairingId }));
  await keep(t.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: "Pixel", platform: "android" }));
  await keep(t.action(api.pairing.claim, { pairingToken, deviceToken, deviceName: "Pixel", platform: "android" }));
  await keep(t.query(api.pairing.watch, { relaySecret, pairingId }));
  await expectError(t.action(api.pairing.claim, { pairingToken: credential(), deviceToken: credential(), deviceName: "Eve", platform: "ios" }), "PAIRING_INVALID");
  await keep(t.mutation(api.relay.heartbeat, { relaySecret, relayVersion: "0.1.0", gatewayConnected: true, gatewayVersion: "2026.9.6" }));
  await keep(t.query(api.relay.info, { relaySecret }));
  await keep(t.query(api.app.status, { deviceToken }));

  const { messageId } = await keep(t.mutation(api.app.send, { deviceToken, ...(await sendArgs("main", "c-1", "hello")) }));
  await keep(t.query(api.relay.pendingMessages, { relaySecret }));
  await keep(t.mutation(api.relay.markDelivered, { relaySecret, messageId, runId: "run-1" }));
  const stream = { relaySecret, sessionKey: sid("main"), runId: "run-1" };
  const { messageId: replyId } = await keep(t.mutation(api.relay.upsertStream, { ...stream, text: "Hi", state: "streaming" }));
  await keep(t.mutation(api.app.requestAbort, { deviceToken, messageId: replyId }));
  await keep(t.query(api.relay.abortRequests, { relaySecret }));
  await keep(t.query(api.app.streaming, { deviceToken, sessionKey: sid("main") }));
  await keep(t.mutation(api.relay.upsertStream, { ...stream, text: "Hi there", state: "final" }));
  await keep(
    t.mutation(api.relay.ingestTranscript, {
      relaySecret,
      sessionKey: sid("main"),
      messages: [
        { gatewayMessageId: "g-1", seq: 1, role: "user", text: "hello", timestamp: 1, idempotencyKey: "run-1:user" },
        { gatewayMessageId: "g-2", seq: 2, role: "assistant", text: "Hi there", timestamp: 2, runId: "run-1" },
      ],
    }),
  );
  await keep(t.mutation(api.relay.upsertSessions, { relaySecret, sessions: [{ sessionKey: sid("main"), updatedAt: 2, title: "Main" }] }));
  await keep(t.query(api.app.listSessions, { deviceToken, paginationOpts: { numItems: 10, cursor: null } }));
  await keep(t.query(api.app.listMessages, { deviceToken, sessionKey: sid("main"), paginationOpts: { numItems: 10, cursor: null } }));

  const secondPairingToken = credential();
  await keep(t.mutation(api.pairing.create, { relaySecret, token: secondPairingToken }));
  await keep(t.action(api.pairing.claim, { pairingToken: secondPairingToken, deviceToken: secondDeviceToken, deviceName: "iPad", platform: "ios" }));
  await keep(t.mutation(api.app.unpair, { deviceToken: secondDeviceToken }));
  await keep(t.mutation(api.pairing.create, { relaySecret, token: pendingToken }));
  await keep(t.mutation(api.relay.goingOffline, { relaySecret }));
  await keep(t.mutation(api.pairing.reset, { relaySecret, newSecret }));
  await keep(t.query(api.relay.info, { relaySecret: newSecret }));
  await advance(t, 10 * 60_000); // scheduled expiry and offline checks have run
  const secrets = { relaySecret, newSecret, pairingToken, secondPairingToken, pendingToken, deviceToken, secondDeviceToken, registrationKey: REGISTRATION_KEY };

  const tables = Object.keys(schema.tables) as TableNames[];
  const dump = await t.run(async (ctx) => {
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) rows[table] = await ctx.db.query(table).collect();
    rows._scheduled_functions = await ctx.db.system.query("_scheduled_functions").collect();
    return rows;
  });
  const atRest = JSON.stringify(dump);
  const said = JSON.stringify(answers);
  expect(atRest).toContain(sha256(newSecret)); // the dump is real: hashes are there
  for (const [name, value] of Object.entries(secrets)) {
    expect({ name, inDatabase: atRest.includes(value) }).toEqual({ name, inDatabase: false });
    expect({ name, inAnswers: said.includes(value) || said.includes(sha256(value)) }).toEqual({ name, inAnswers: false });
  }
  // Every stored hash field is a sha256 hex digest, nothing else.
  for (const row of [...(dump.instances ?? []), ...(dump.devices ?? []), ...(dump.pairingCodes ?? [])]) {
    const hash = (row as { secretHash?: string; tokenHash?: string }).secretHash ?? (row as { tokenHash?: string }).tokenHash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  }
  expect(said).not.toMatch(/[0-9a-f]{64}/);
});
