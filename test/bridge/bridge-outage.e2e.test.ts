/** Bridge e2e: Gateway down, Gateway restarted mid-reply, Convex down mid-reply. */
import { restartGateway, startGateway, stopGateway } from "../support/gateway-fixture.js";
import { expectTranscriptMatchesConvex, eventually, sessionKey, streamingReply, usePipeline } from "./pipeline.js";

// Longer than a Gateway start under load (seen up to 22 s), so the message sent just before the
// start is still young enough when the Gateway is back.
const MAX_AGE_MS = 45_000;
const current = usePipeline({ maxMessageAgeMs: MAX_AGE_MS });

async function finalReply(key: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const rows = await current().app.allMessages(key);
    const reply = rows.find((row) => row.role === "assistant" && row.status === "final");
    if (!reply) throw new Error(`no final reply: ${JSON.stringify(rows.map((r) => [r.role, r.status]))}`);
    return { rows, reply };
  }, timeoutMs);
}

test("2. a message sent while the gateway is down is delivered after it returns; one older than the maximum age expires", async () => {
  const key = sessionKey("down");
  await stopGateway();
  const stale = await current().app.send(key, "this one waits too long");
  const expired = await eventually(async () => {
    const row = (await current().app.allMessages(key)).find((r) => r.messageId === stale.messageId);
    if (row?.status !== "expired") throw new Error(`stale message is ${row?.status}`);
    return row;
  }, MAX_AGE_MS + 15_000);
  expect(expired.error).toMatch(/not delivered within 45 s/);
  // The app can tell the gateway is down while the relay is up.
  const status = await current().app.status();
  expect(status.relay.online).toBe(true);
  expect(status.gateway.connected).toBe(false);

  const fresh = await current().app.send(key, "this one makes it");
  await startGateway();
  const { rows } = await finalReply(key);
  expect(rows.find((r) => r.messageId === fresh.messageId)?.status).toBe("delivered");
  expect(rows.find((r) => r.messageId === stale.messageId)?.status).toBe("expired");
  await expectTranscriptMatchesConvex(current(), key);
}, 180_000);

test("3. the gateway restarts in the middle of a reply: the app ends with the transcript's text and no duplicate rows", async () => {
  const key = sessionKey("restart");
  await current().app.send(key, "a long answer please [[slow:40]]");
  await streamingReply(current(), key);
  await restartGateway();
  await current().waitForRelay(90_000);
  const rows = await expectTranscriptMatchesConvex(current(), key, 60_000);
  const users = rows.filter((r) => r.role === "user");
  expect(users).toHaveLength(1);
  expect(rows.filter((r) => r.role === "assistant").every((r) => r.status !== "streaming")).toBe(true);
}, 180_000);

test("5. Convex is down for ~10 s while a reply streams: the reply is spooled, and complete in the app afterwards", async () => {
  const key = sessionKey("convexdown");
  await current().app.send(key, "stream through an outage [[slow:48]]");
  await streamingReply(current(), key);
  await current().convex.goOffline();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const during = await current().runtime();
  await current().convex.goOnline();
  expect(during?.convex.connected).toBe(false);
  expect(during?.convex.spooledWrites).toBeGreaterThan(0);
  const { reply } = await finalReply(key, 60_000);
  expect(reply.text.length).toBeGreaterThan(0);
  await expectTranscriptMatchesConvex(current(), key);
}, 150_000);
