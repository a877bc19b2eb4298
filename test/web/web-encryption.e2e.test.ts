/**
 * The web app and end-to-end encryption, in a real browser against local Convex, the relay process and the
 * real Gateway: the key arrives in the link's fragment and stays on the device; a chat started on the page
 * reaches the agent and a message from another channel reaches the page; rows that Convex moved, swapped or
 * that were sealed under a key the device doesn't hold show as undecryptable; Convex never holds the text.
 */
import { randomBytes } from "node:crypto";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { generateContentKey, importContentKey, sessionIdFor, type ContentKey } from "../../src/e2e/content-key.js";
import { seal } from "../../src/e2e/envelope.js";
import { runRow, sessionContext } from "../../src/e2e/row-contexts.js";
import { usePipeline, type Pipeline } from "../bridge/pipeline.js";
import { saveScreenshot, useBrowser, type PhonePage } from "../support/browser.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";
import { clickButton, openChat, openPaired, sendInNewChat, storedDevices, waitForText } from "./web-page.js";

const TEST_MS = 300_000;
const TURN_MS = 150_000;

const pipeline = usePipeline();
const browser = useBrowser();

/** A fresh phone page, closed after the test by the browser fixture. */
const open = (): Promise<PhonePage> => browser().phone();

const mutation = (name: string) => makeFunctionReference<"mutation", Record<string, unknown>, unknown>(name);

/** Writes rows the way the relay does (its secret, its key), or the way a Convex that moves ciphertexts would. */
function asRelay(p: Pipeline, relaySecret = p.secret) {
  const http = new ConvexHttpClient(p.convex.url);
  return {
    session: async (key: ContentKey, sessionKey: string, title: string) => {
      const sessionId = await sessionIdFor(key, sessionKey);
      const fields = {
        sessionKey: sessionId,
        sessionKeyEnc: await seal(key, sessionContext(sessionId, "sessionKey"), sessionKey),
        title: await seal(key, sessionContext(sessionId, "title"), title),
        updatedAt: Date.now(),
      };
      await http.mutation(mutation("relay:upsertSessions"), { relaySecret, sessions: [fields] });
      return fields;
    },
    upsertSessions: (sessions: Record<string, unknown>[]) => http.mutation(mutation("relay:upsertSessions"), { relaySecret, sessions }),
    stream: (sessionId: string, runId: string, text: string) =>
      http.mutation(mutation("relay:upsertStream"), { relaySecret, sessionKey: sessionId, runId, text, state: "final" }),
  };
}

/**
 * Everything Convex answers this device about its instance (every session row and every message row of
 * each, and the status), as raw JSON: what anyone reading the deployment's tables sees of the chats.
 */
async function whatConvexHolds(p: Pipeline, deviceToken: string): Promise<string> {
  const http = new ConvexHttpClient(p.convex.url);
  const query = (name: string) => makeFunctionReference<"query", Record<string, unknown>, { page: { sessionKey: string }[] }>(name);
  const sessions = await http.query(query("app:listSessions"), { deviceToken, paginationOpts: { cursor: null, numItems: 100 } });
  const messages = await Promise.all(
    sessions.page.map((s) => http.query(query("app:listMessages"), { deviceToken, sessionKey: s.sessionKey, paginationOpts: { cursor: null, numItems: 100 } })),
  );
  const status = await http.query(query("app:status"), { deviceToken });
  return JSON.stringify({ sessions, messages, status });
}

/** The bubbles of the open chat, oldest first: how each is shown, and its text. */
async function bubbles(page: PhonePage["page"]): Promise<{ sealed: string; text: string }[]> {
  return (await page.evaluate(`[...document.querySelectorAll(".message")].map((m) => ({ sealed: m.dataset.sealed ?? "", text: m.querySelector(".bubble").innerText }))`)) as {
    sealed: string;
    text: string;
  }[];
}

test("the link's key is stored next to the device token; a chat started here reaches the agent and streams back", async () => {
  const { page, problems } = await open();
  await openPaired(page, pipeline());
  const [device] = await storedDevices(page);
  expect(device?.contentKey).toBe(pipeline().contentKey);
  expect(page.url()).not.toContain(pipeline().contentKey);
  await sendInNewChat(page, "[[slow:8]] ping from the encrypted page");
  await page.waitForFunction(`document.querySelector(".message.reply[data-status='streaming']")`, { timeout: TURN_MS });
  await page.waitForFunction(`document.querySelector(".message.reply[data-status='final']")`, { timeout: TURN_MS });
  const shown = await bubbles(page);
  expect(shown.find((b) => b.text.includes("Stub reply to:"))).toEqual({ sealed: "open", text: "Stub reply to: ping from the encrypted page" });
  await page.waitForFunction(`document.querySelector(".message.own[data-status='delivered'][data-sealed='open']")`, { timeout: TURN_MS });
  const held = await whatConvexHolds(pipeline(), device!.deviceToken);
  expect(held).toContain("fc1.");
  expect(held).not.toContain("ping from the encrypted page");
  // No session key in the clear (the page made this chat's, "agent:main:web-…"): ":" is not in base64url.
  expect(held).not.toContain("agent:");
  expect(problems).toEqual([]);
}, TEST_MS);

test("a message from another channel shows decrypted in the chats list and the chat", async () => {
  const { page, problems } = await open();
  await openPaired(page, pipeline());
  const name = `e2e-web-other-${randomBytes(3).toString("hex")}`;
  await pipeline().operator.connection.chatSend({ sessionKey: `agent:main:${name}`, message: "hello from the terminal channel", idempotencyKey: `web-other-${Date.now()}` });
  // The list names the chat by its title or key, decrypted on the page (Convex has only ciphertext and a hash).
  const entry = `[...document.querySelectorAll(".session")].find((s) => s.innerText.includes(${JSON.stringify(name)}) || s.innerText.includes("hello from the terminal channel"))`;
  const session = await page.waitForFunction(entry, { timeout: TURN_MS });
  await (session as unknown as { click(): Promise<void> }).click();
  await page.waitForFunction(`[...document.querySelectorAll(".message .bubble")].some((b) => b.innerText.includes("hello from the terminal channel"))`, { timeout: TURN_MS });
  await page.waitForFunction(`[...document.querySelectorAll(".message.reply .bubble")].some((b) => b.innerText.includes("Stub reply to: hello from the terminal channel"))`, { timeout: TURN_MS });
  const [device] = await storedDevices(page);
  const held = await whatConvexHolds(pipeline(), device!.deviceToken);
  expect(held).not.toContain("hello from the terminal channel");
  expect(held).not.toContain(name);
  expect(held).not.toContain("agent:");
  expect(problems).toEqual([]);
}, TEST_MS);

test("a ciphertext moved to another row or session, or sealed under another key, shows as undecryptable (screenshot saved)", async () => {
  const { page, problems } = await open();
  await openPaired(page, pipeline());
  const relay = asRelay(pipeline());
  const key = await importContentKey(pipeline().contentKey);
  const chat = await relay.session(key, `agent:main:e2e-tamper-${randomBytes(3).toString("hex")}`, "Tamper check");
  const genuine = await seal(key, { sessionId: chat.sessionKey, field: "text", row: runRow("run-genuine") }, "the genuine reply");
  await relay.stream(chat.sessionKey, "run-genuine", genuine);
  // Convex replays the genuine ciphertext as another reply of the same chat.
  await relay.stream(chat.sessionKey, "run-moved", genuine);
  // A row written after a `pair --reset` this device missed: sealed under the new key.
  const rotated = await importContentKey(generateContentKey());
  await relay.stream(chat.sessionKey, "run-rotated", await seal(rotated, { sessionId: chat.sessionKey, field: "text", row: runRow("run-rotated") }, "after the reset"));
  // Another chat whose title and key copy Convex swapped for this chat's.
  const other = await relay.session(key, `agent:main:e2e-swap-${randomBytes(3).toString("hex")}`, "Other chat");
  await relay.upsertSessions([{ ...other, title: chat.title, sessionKeyEnc: chat.sessionKeyEnc, updatedAt: Date.now() }]);

  await page.waitForFunction(`[...document.querySelectorAll(".session-title")].some((t) => t.textContent === "Tamper check")`, { timeout: 30_000 });
  await page.waitForFunction(`document.querySelectorAll(".session-title.unreadable").length === 1`, { timeout: 30_000 });
  await openChat(page, "Tamper check");
  await page.waitForFunction(`document.querySelectorAll(".message").length === 3`, { timeout: 30_000 });
  const shown = await bubbles(page);
  expect(shown.map((b) => b.sealed)).toEqual(["open", "tampered", "other-key"]);
  expect(shown[0]!.text).toBe("the genuine reply");
  for (const b of shown.slice(1)) {
    expect(b.text).toMatch(/^⚠ Can't decrypt this message\./);
    expect(b.text).not.toContain("genuine");
    expect(b.text).not.toContain("after the reset");
  }
  await saveScreenshot(page, "web-e2e-undecryptable-375x812");
  // Back in the list: the swapped chat is named "Can't decrypt", never "Tamper check" twice.
  await page.click(".back");
  await page.waitForSelector(".session-title.unreadable");
  expect(await page.$$eval(".session-title", (els) => els.map((e) => e.textContent))).toEqual(expect.arrayContaining(["Tamper check", "Can't decrypt"]));
  expect(await page.$$eval(".session-title", (els) => els.filter((e) => e.textContent === "Tamper check").length)).toBe(1);
  await saveScreenshot(page, "web-e2e-chats-undecryptable-375x812");
  expect(problems).toEqual([]);
}, TEST_MS);

test("a browser paired before encryption (no key stored) says so, asks to pair again, and shows nothing as text", async () => {
  const { page, problems } = await open();
  await openPaired(page, pipeline());
  const key = await importContentKey(pipeline().contentKey);
  const relay = asRelay(pipeline());
  const chat = await relay.session(key, `agent:main:e2e-nokey-${randomBytes(3).toString("hex")}`, "Keyless check");
  await relay.stream(chat.sessionKey, "run-nokey", await seal(key, { sessionId: chat.sessionKey, field: "text", row: runRow("run-nokey") }, "only for key holders"));
  // The entry as a page from before encryption stored it: the credential without a key.
  await page.evaluate(`(() => {
    const entries = JSON.parse(localStorage.getItem("fastclaw.instances.v1"));
    for (const entry of entries) delete entry.contentKey;
    localStorage.setItem("fastclaw.instances.v1", JSON.stringify(entries));
  })()`);
  await page.reload();
  await waitForText(page, "no encryption key for this relay");
  await page.waitForFunction(`document.querySelectorAll(".session-title.unreadable").length >= 1`);
  expect(await page.evaluate(`[...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "New chat").disabled`)).toBe(true);
  await page.click(".session-title.unreadable");
  await page.waitForSelector(".message[data-sealed='no-key']");
  expect(await page.evaluate("document.body.innerText")).not.toMatch(/only for key holders|Keyless check/);
  // Nothing can be sent from a chat whose name it cannot read.
  expect(await page.$eval("#composer-input", (el) => (el as unknown as { disabled: boolean }).disabled)).toBe(true);
  expect(problems).toEqual([]);
}, TEST_MS);

test("after `pair --reset` the old device reads nothing written after it and is asked to pair again; the new link reads it", async () => {
  const { page, problems } = await open();
  const p = pipeline();
  const http = new ConvexHttpClient(p.convex.url);
  // A relay of its own, so the reset leaves the pipeline's relay alone.
  const secret = randomBytes(32).toString("base64url");
  await http.mutation(mutation("instances:register"), { secret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name: "reset relay" });
  const pairingLink = async (relaySecret: string, contentKey: string) => {
    const token = randomBytes(32).toString("base64url");
    await http.mutation(mutation("pairing:create"), { relaySecret, token });
    return `${p.convex.siteUrl}/pair#v=1&t=${token}&k=${contentKey}`;
  };
  const sessionKey = `agent:main:e2e-reset-${randomBytes(3).toString("hex")}`;
  const before = generateContentKey();
  await page.goto(await pairingLink(secret, before));
  await page.waitForSelector(".topbar");
  const oldKey = await importContentKey(before);
  const oldChat = await asRelay(p, secret).session(oldKey, sessionKey, "Before the reset");
  await asRelay(p, secret).stream(oldChat.sessionKey, "run-before", await seal(oldKey, { sessionId: oldChat.sessionKey, field: "text", row: runRow("run-before") }, "written before the reset"));
  await openChat(page, "Before the reset");
  await waitForText(page, "written before the reset");

  // `pair --reset`: the secret and the content key rotate; the relay writes on under the new ones.
  const newSecret = randomBytes(32).toString("base64url");
  await http.mutation(mutation("pairing:reset"), { relaySecret: secret, newSecret });
  const after = generateContentKey();
  const newKey = await importContentKey(after);
  const newChat = await asRelay(p, newSecret).session(newKey, sessionKey, "After the reset");
  await asRelay(p, newSecret).stream(newChat.sessionKey, "run-after", await seal(newKey, { sessionId: newChat.sessionKey, field: "text", row: runRow("run-after") }, "written after the reset"));

  await waitForText(page, "no longer accepts this device", 60_000);
  await waitForText(page, "pair again");
  expect(await page.evaluate("document.body.innerText")).not.toMatch(/written after the reset|After the reset/);
  await saveScreenshot(page, "web-e2e-after-reset-375x812");

  // Forget the revoked pairing and open the new link: the new key reads what was written after the reset;
  // the chat from before is sealed under the old key, which this pairing does not hold.
  await clickButton(page, "Forget it");
  await page.goto(await pairingLink(newSecret, after));
  await page.waitForFunction(`[...document.querySelectorAll(".session-title")].some((t) => t.textContent === "After the reset")`, { timeout: 30_000 });
  expect(await page.$$eval(".session-title", (els) => els.map((e) => e.textContent))).toEqual(expect.arrayContaining(["After the reset", "Can't decrypt"]));
  await openChat(page, "After the reset");
  await waitForText(page, "written after the reset");
  expect(problems).toEqual([]);
}, TEST_MS);
