/** Real Gateway: after a disconnect, chat.history with the last deltaCursor returns exactly the rows that were missed. */
import { randomUUID } from "node:crypto";
import { stubReplyFor } from "../../dev/devkit/stub-model-server.js";
import { transcriptText, type SessionMessageEvent } from "../../src/gateway/index.js";
import { e2eInfo } from "../support/gateway-fixture.js";
import { relayConnection } from "../support/relay-connection.js";

test("chat.history with the last deltaCursor returns exactly what was missed while disconnected", async () => {
  const info = e2eInfo();
  const env = { OPENCLAW_GATEWAY_URL: info.gatewayUrl, OPENCLAW_GATEWAY_TOKEN: info.gatewayToken };
  const sessionKey = `e2e-catchup-${randomUUID().slice(0, 8)}`;

  // The relay talks in the session, then remembers the cursor, as the bridge will.
  const first = await relayConnection({ env });
  const home = first.home;
  const writer = await relayConnection({ env, overrides: { clientId: "cli", clientMode: "cli" } });
  try {
    await first.connection.waitUntilConnected(60_000);
    const k1 = randomUUID();
    await first.connection.chatSend({ sessionKey, message: "before the gap", idempotencyKey: k1 });
    await first.waitFor("chat", (e) => e.runId === k1 && e.state === "final", 60_000);
    const page = await first.connection.chatHistory({ sessionKey, limit: 100 });
    if (page.kind !== "page") throw new Error(`expected a page, got ${page.kind}`);
    expect(page.entries.map((e) => transcriptText(e.message))).toEqual(["before the gap", stubReplyFor("before the gap")]);
    expect(page.deltaCursor).toEqual(expect.any(String));
    const cursor = page.deltaCursor!;

    // Disconnect; meanwhile someone else talks in the same session.
    await first.connection.stop();
    await writer.connection.waitUntilConnected(60_000);
    const k2 = randomUUID();
    const gapStart = writer.events.length;
    await writer.connection.chatSend({ sessionKey, message: "during the gap", idempotencyKey: k2 });
    const missedReply = await writer.waitFor("session.message", (m) => m.sessionKey.endsWith(sessionKey) && m.runId === k2 && m.message.role === "assistant", 60_000, gapStart);
    const missed = writer.events
      .slice(gapStart)
      .filter((e) => e.name === "session.message")
      .map((e) => e.payload as SessionMessageEvent)
      .filter((m) => m.sessionKey.endsWith(sessionKey));
    expect(missed.map((m) => m.message.role)).toEqual(["user", "assistant"]);
    expect(missedReply.messageId).toEqual(expect.any(String));

    // Back again (same identity): the delta holds exactly the missed rows, in order.
    const again = await relayConnection({ env, home });
    try {
      await again.connection.waitUntilConnected(60_000);
      expect(again.connection.deviceId).toBe(first.connection.deviceId);
      const delta = await again.connection.chatHistory({ sessionKey, cursor });
      if (delta.kind !== "delta") throw new Error(`expected a delta, got ${delta.kind}`);
      expect(delta.entries.map((e) => e.messageId)).toEqual(missed.map((m) => m.messageId));
      expect(delta.entries.map((e) => e.messageSeq)).toEqual(missed.map((m) => m.messageSeq));
      expect(delta.entries.map((e) => transcriptText(e.message))).toEqual(["during the gap", stubReplyFor("during the gap")]);
      expect(delta.deltaCursor).not.toBe(cursor);

      // Nothing new since: an empty delta. A stale/garbled cursor: reset.
      const nothing = await again.connection.chatHistory({ sessionKey, cursor: delta.deltaCursor });
      expect(nothing).toMatchObject({ kind: "delta", entries: [] });
      expect(await again.connection.chatHistory({ sessionKey, cursor: "not-a-cursor" })).toEqual({ kind: "reset" });
    } finally {
      await again.close();
    }
  } finally {
    await writer.close();
    await first.close();
    await home.cleanup();
  }
}, 180_000);
