/**
 * The web app in a real browser (Chromium, phone-sized) against the local Convex server's site port, the
 * relay process and the real Gateway: pairing by link, streaming, abort, safe Markdown, unpair, presence.
 */
import { randomBytes } from "node:crypto";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { saveScreenshot, useBrowser, type PhonePage } from "../support/browser.js";
import { clearStubModelRequests, stubModelRequests } from "../support/gateway-fixture.js";
import { usePipeline } from "../bridge/pipeline.js";
import { clickButton, newPairingToken, openPaired, pairingUrl, sendInNewChat, storedDevices, storedDeviceTokens, waitForText } from "./web-page.js";
import { generateContentKey } from "../../src/e2e/content-key.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../../dev/local-convex/registration-key.js";

/** Per test: a slow machine runs the Gateway, the relay, local Convex and Chromium at once. */
const TEST_MS = 300_000;
/** The first agent turn of a fresh Gateway took 60 s on a loaded 2-core machine. */
const TURN_MS = 150_000;

const pipeline = usePipeline();
const browser = useBrowser();

/** A fresh phone page, closed after the test by the browser fixture. */
const open = (): Promise<PhonePage> => browser().phone();

/** The last reply on screen: its status and text. */
async function lastReply(page: PhonePage["page"]): Promise<{ status: string; text: string } | null> {
  return (await page.evaluate(`(() => {
    const rows = document.querySelectorAll(".message.reply");
    const row = rows[rows.length - 1];
    return row ? { status: row.dataset.status, text: row.querySelector(".bubble").innerText } : null;
  })()`)) as { status: string; text: string } | null;
}

describe("pairing", () => {
  test("opening the pairing link pairs the browser; the fragment is gone from location and history", async () => {
    const { page, problems } = await open();
    const token = await newPairingToken(pipeline());
    await page.goto(pairingUrl(pipeline(), token));
    await page.waitForSelector(".topbar");
    await waitForText(page, "e2e relay");
    expect(await page.evaluate("location.href")).toBe(`${pipeline().convex.siteUrl}/`);
    expect(page.url()).not.toContain(token);
    // History: back leaves the app (the pre-claim entry was replaced), forward returns without the fragment.
    expect(await page.evaluate("history.length")).toBe(2);
    await page.goBack();
    expect(page.url()).toBe("about:blank");
    await page.goForward();
    expect(page.url()).toBe(`${pipeline().convex.siteUrl}/`);
    // The credential is the device's own, kept on the device, and works.
    const [device] = await storedDevices(page);
    const deviceToken = device!.deviceToken;
    expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The relay's content key came with the link and is kept next to the credential.
    expect(device!.contentKey).toBe(pipeline().contentKey);
    const http = new ConvexHttpClient(pipeline().convex.url);
    const status = await http.query(makeFunctionReference<"query", Record<string, unknown>, { instanceName: string; device: { platform: string } }>("app:status"), { deviceToken });
    expect(status.instanceName).toBe("e2e relay");
    expect(status.device.platform).toBe("web");
    expect(problems).toEqual([]);
  }, TEST_MS);

  test("a used, replaced or unknown code says so, and the fragment is removed anyway", async () => {
    const { page } = await open();
    const used = await newPairingToken(pipeline());
    await page.goto(pairingUrl(pipeline(), used));
    await page.waitForSelector(".topbar");
    // A second browser opening the same (claimed) link.
    const other = await browser().phone();
    try {
      await other.page.goto(pairingUrl(pipeline(), used));
      await waitForText(other.page, "already used by another device");
      expect(other.page.url()).toBe(`${pipeline().convex.siteUrl}/`);
      const replaced = await newPairingToken(pipeline());
      await newPairingToken(pipeline());
      await other.page.goto(pairingUrl(pipeline(), replaced));
      await waitForText(other.page, "expired or was replaced");
      await other.page.goto(pairingUrl(pipeline(), "A".repeat(43)));
      await waitForText(other.page, "unknown here");
      await other.page.goto(`${pipeline().convex.siteUrl}/pair#v=1&t=short`);
      await waitForText(other.page, "no valid token");
      expect(other.page.url()).toBe(`${pipeline().convex.siteUrl}/`);
      expect(await storedDeviceTokens(other.page)).toEqual([]);
    } finally {
      await other.close();
    }
  }, TEST_MS);

  test("pasting the fastclaw:// payload pairs; one for another deployment is refused", async () => {
    const { page } = await open();
    await page.goto(`${pipeline().convex.siteUrl}/`);
    await page.waitForSelector("#pair-link");
    await page.type("#pair-link", `fastclaw://pair?v=1&u=${encodeURIComponent("https://elsewhere.convex.cloud")}&t=${"B".repeat(43)}&k=${pipeline().contentKey}`);
    await clickButton(page, "Pair");
    await waitForText(page, "another Convex deployment");
    const token = await newPairingToken(pipeline());
    await page.$eval("#pair-link", (el) => ((el as unknown as { value: string }).value = ""));
    await page.type("#pair-link", `fastclaw://pair?v=1&u=${encodeURIComponent(pipeline().convex.url)}&t=${token}&k=${pipeline().contentKey}`);
    await clickButton(page, "Pair");
    await page.waitForSelector(".topbar");
    expect(await storedDevices(page)).toEqual([expect.objectContaining({ contentKey: pipeline().contentKey })]);
  }, TEST_MS);
});

describe("chat", () => {
  test("a reply is shown growing while it streams, then final (screenshot saved)", async () => {
    const { page, problems } = await open();
    await openPaired(page, pipeline());
    // Every change of the newest reply's text, as the page rendered it.
    await page.evaluate(`(() => {
      window.__lengths = [];
      new MutationObserver(() => {
        const rows = document.querySelectorAll(".message.reply .bubble");
        const last = rows[rows.length - 1];
        if (last) window.__lengths.push(last.innerText.length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await sendInNewChat(page, "[[slow:12]] hello from the phone, please reply with **markdown**");
    await page.waitForFunction(`document.querySelector(".message.reply[data-status='streaming']")`, { timeout: TURN_MS }).catch(async (error: unknown) => {
      await saveScreenshot(page, "web-chat-no-stream");
      throw error;
    });
    await saveScreenshot(page, "web-chat-streaming-375x812");
    await page.waitForFunction(`document.querySelector(".message.reply[data-status='final']")`, { timeout: TURN_MS });
    const reply = await lastReply(page);
    expect(reply?.text).toBe("Stub reply to: hello from the phone, please reply with markdown");
    // The bold came through as <strong>, not as asterisks.
    expect(await page.$eval(".message.reply .bubble strong", (el) => el.textContent)).toBe("markdown");
    const lengths = (await page.evaluate("window.__lengths")) as number[];
    const finalLength = reply!.text.length;
    const intermediate = new Set(lengths.filter((n) => n > 0 && n < finalLength));
    expect(intermediate.size).toBeGreaterThanOrEqual(2);
    // The own message is marked delivered.
    await page.waitForFunction(`document.querySelector(".message.own[data-status='delivered']")`);
    const file = await saveScreenshot(page, "web-chat-375x812");
    expect(file).toMatch(/\.png$/);
    expect(problems).toEqual([]);
  }, TEST_MS);

  test("abort stops a slow reply and the page says so", async () => {
    const { page } = await open();
    await openPaired(page, pipeline());
    await clearStubModelRequests();
    await sendInNewChat(page, "[[slow:60]] a long one to stop");
    await page.waitForFunction(`(() => { const r = document.querySelector(".message.reply[data-status='streaming']"); return r && r.innerText.length > 20; })()`, { timeout: TURN_MS });
    await clickButton(page, "Stop");
    await page.waitForFunction(`document.querySelector(".message.reply[data-status='aborted']")`, { timeout: TURN_MS });
    await waitForText(page, "Reply stopped");
    const reply = await lastReply(page);
    expect(reply!.text.length).toBeLessThan("Stub reply to: a long one to stop".length);
    // The Stop button is gone once nothing streams.
    expect(await page.evaluate(`[...document.querySelectorAll("button")].some((b) => b.textContent.trim() === "Stop")`)).toBe(false);
    const requests = await stubModelRequests();
    expect(requests.some((r) => r.userText.includes("a long one to stop") && r.clientClosedEarly)).toBe(true);
  }, TEST_MS);

  test("HTML and javascript: links in a reply render as text and run nothing", async () => {
    const { page, problems } = await open();
    await openPaired(page, pipeline());
    const hostile = `<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> [click me](javascript:window.__pwned=3) <a href="javascript:window.__pwned=4">raw</a>`;
    await sendInNewChat(page, hostile);
    await page.waitForFunction(`document.querySelector(".message.reply[data-status='final']")`, { timeout: TURN_MS });
    const reply = await lastReply(page);
    expect(reply!.text).toContain(`<img src=x onerror="window.__pwned=1">`);
    expect(reply!.text).toContain("<script>window.__pwned=2</script>");
    expect(reply!.text).toContain("[click me](javascript:window.__pwned=3)");
    // Click whatever looks like a link in the reply: nothing may run.
    for (const link of await page.$$(".message-list a")) await link.click().catch(() => undefined);
    const found = await page.evaluate(`({
      pwned: window.__pwned,
      img: document.querySelectorAll(".message-list img").length,
      script: document.querySelectorAll(".message-list script").length,
      jsLinks: [...document.querySelectorAll("a")].filter((a) => !/^(https?|mailto):/.test(a.href)).length,
    })`);
    expect(found).toEqual({ pwned: undefined, img: 0, script: 0, jsLinks: 0 });
    expect(problems).toEqual([]);
  }, TEST_MS);
});

describe("relays and offline", () => {
  test("a second relay pairs from the relays list; switching shows each relay's name", async () => {
    const { page, problems } = await open();
    await openPaired(page, pipeline());
    const http = new ConvexHttpClient(pipeline().convex.url);
    const mutation = (name: string) => makeFunctionReference<"mutation", Record<string, unknown>, unknown>(name);
    const secret = randomBytes(32).toString("base64url");
    await http.mutation(mutation("instances:register"), { secret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name: "second relay" });
    const token = randomBytes(32).toString("base64url");
    await http.mutation(mutation("pairing:create"), { relaySecret: secret, token });
    await page.click(".relay-button");
    await clickButton(page, "Pair another relay");
    await page.waitForSelector("#pair-link");
    await page.type("#pair-link", `${pipeline().convex.siteUrl}/pair#v=1&t=${token}&k=${generateContentKey()}`);
    await clickButton(page, "Pair");
    await page.waitForFunction(`document.querySelector(".relay-name")?.textContent === "second relay"`);
    expect(await storedDeviceTokens(page)).toHaveLength(2);
    await page.click(".relay-button");
    await clickButton(page, "e2e relay");
    await page.waitForFunction(`document.querySelector(".relay-name")?.textContent === "e2e relay"`);
    expect(problems).toEqual([]);
  }, TEST_MS);

  test("installed shell opens offline, says so, and cannot send", async () => {
    const { page } = await open();
    await openPaired(page, pipeline());
    // The service worker has cached the shell and the hashed assets.
    await page.waitForFunction("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true)");
    await page.reload();
    await page.waitForFunction("navigator.serviceWorker.controller !== null");
    await page.setOfflineMode(true);
    try {
      await page.reload();
      await page.waitForSelector(".topbar");
      await waitForText(page, "You are offline");
      await clickButton(page, "New chat");
      await page.type("#composer-input", "must not be sent");
      expect(await page.$eval("button[type=submit]", (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(true);
      await page.keyboard.press("Enter");
      expect(await page.$$(".message.own")).toHaveLength(0);
    } finally {
      await page.setOfflineMode(false);
    }
  }, TEST_MS);
});

describe("devices and presence", () => {
  test("unpair returns to the pairing screen and the old credential reads nothing", async () => {
    const { page } = await open();
    await openPaired(page, pipeline());
    const [deviceToken] = await storedDeviceTokens(page);
    await page.click(".relay-button");
    await clickButton(page, "Unpair…");
    await clickButton(page, "Unpair e2e relay");
    await page.waitForSelector("#pair-link");
    expect(await storedDeviceTokens(page)).toEqual([]);
    const http = new ConvexHttpClient(pipeline().convex.url);
    const listSessions = makeFunctionReference<"query", Record<string, unknown>, unknown>("app:listSessions");
    await expect(http.query(listSessions, { deviceToken, paginationOpts: { cursor: null, numItems: 10 } })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  }, TEST_MS);

  test("stopping the relay shows relay down; starting it clears it", async () => {
    const { page } = await open();
    await openPaired(page, pipeline());
    await page.waitForSelector(".presence[data-health='ok']", { timeout: TURN_MS });
    const relay = pipeline().relay!;
    relay.child.kill("SIGTERM");
    await relay.exited;
    // A clean stop marks the relay offline at once; 90 s is the presence window for a crash.
    await page.waitForSelector(".presence[data-health='relay-down']", { timeout: 100_000 });
    expect(await page.$eval(".presence", (el) => el.textContent)).toMatch(/Relay down · last seen/);
    pipeline().spawnRelay();
    await page.waitForSelector(".presence[data-health='ok']", { timeout: 100_000 });
  }, TEST_MS);
});
