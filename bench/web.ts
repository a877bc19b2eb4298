/**
 * Bench phase "web": the web app in headless Chromium against the local Convex server's site port —
 * JavaScript transferred, first render, stream write in Convex → text on screen, and what the page's
 * subscriptions receive per streamed reply against a one-page subscription that re-reads the history.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { api } from "../convex/_generated/api.js";
import { WEB_ASSETS } from "../convex/lib/web-assets.generated.js";
import { spawnLocalConvex } from "../dev/devkit/local-convex-process.js";
import { track } from "./cleanup.js";
import { summarize, type Summary } from "./stats.js";
import { LOCAL_CONVEX_REGISTRATION_KEY } from "../dev/local-convex/registration-key.js";
import { generateContentKey, importContentKey, sessionIdFor } from "../src/e2e/content-key.js";
import { seal } from "../src/e2e/envelope.js";
import { runRow, sessionContext, transcriptRow } from "../src/e2e/row-contexts.js";

export interface WebPlan {
  /** Cold first visits measured (fresh incognito context each, no cache, no service worker). */
  firstRenders: number;
  replies: number;
  writesPerReply: number;
  writeIntervalMs: number;
  /** Messages already in the session, so that a history page is full. */
  historyRows: number;
}

export interface Received {
  /** Query results pushed to the client per streamed reply. */
  updates: number;
  /** Message/session rows in those results. */
  rows: number;
  /** Bytes of those results (WebSocket payload for the page, the result's JSON for the baseline). */
  bytes: number;
}

export interface WebResult {
  jsBytes: number;
  jsGzipBytes: number;
  firstRender: Summary;
  streamToScreen: Summary;
  /** Writes whose text never showed up. */
  missing: number;
  perReply: { page: Received; baseline: Received };
  plan: WebPlan;
}

const CHROMIUM = process.env.FASTCLAW_CHROMIUM ?? "/usr/bin/chromium";
/** What a one-page chat screen subscribes to (the size of the page's own history page). */
export const BASELINE_PAGE_ROWS = 30;
const SESSION = "agent:main:bench-web";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function launch(): Promise<{ browser: Browser; stop: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "fastclaw-bench-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run"],
    defaultViewport: { width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  });
  const stop = track(
    "chromium",
    async () => {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
    () => browser.process()?.pid,
  );
  return { browser, stop };
}

/** Milliseconds from navigation start until the app put its first element into #app, on a cold visit. */
async function firstRender(browser: Browser, url: string): Promise<number> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.evaluateOnNewDocument(`new MutationObserver((_, observer) => {
      if (document.querySelector("#app > *")) { window.__firstRender = performance.now(); observer.disconnect(); }
    }).observe(document, { subtree: true, childList: true });`);
    await page.goto(url);
    await page.waitForFunction("window.__firstRender !== undefined", { timeout: 30_000 });
    return (await page.evaluate("window.__firstRender")) as number;
  } finally {
    await context.close();
  }
}

/** Counts the query results the page's Convex socket receives (CDP sees the frames as they arrive). */
async function watchSocket(page: Page): Promise<{ take: () => Received }> {
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  let received: Received = { updates: 0, rows: 0, bytes: 0 };
  cdp.on("Network.webSocketFrameReceived", (event: { response: { payloadData: string } }) => {
    let message: { type?: string; modifications?: { type: string; value?: unknown }[] };
    try {
      message = JSON.parse(event.response.payloadData) as typeof message;
    } catch {
      return;
    }
    if (message.type !== "Transition") return;
    for (const change of message.modifications ?? []) {
      if (change.type !== "QueryUpdated") continue;
      received.updates += 1;
      const value = change.value as { page?: unknown[] } | null;
      received.rows += Array.isArray(value?.page) ? value.page.length : value ? 1 : 0;
      received.bytes += JSON.stringify(change.value ?? null).length;
    }
  });
  return {
    take: () => {
      const out = received;
      received = { updates: 0, rows: 0, bytes: 0 };
      return out;
    },
  };
}

export async function webPhase(log: (line: string) => void, plan: WebPlan): Promise<WebResult> {
  const js = WEB_ASSETS.filter((asset) => asset.path.endsWith(".js") && asset.path.startsWith("/assets/")).map((asset) => Buffer.from(asset.bodyBase64, "base64"));
  const jsBytes = js.reduce((sum, body) => sum + body.length, 0);
  const jsGzipBytes = js.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
  log(`web: JS ${(jsBytes / 1024).toFixed(1)} KiB, ${(jsGzipBytes / 1024).toFixed(1)} KiB gzipped`);

  const convex = await spawnLocalConvex();
  const stopConvex = track("local convex (web)", () => convex.stop(), () => convex.child.pid);
  const http = new ConvexHttpClient(convex.url);
  const relaySecret = randomBytes(32).toString("base64url");
  await http.mutation(api.instances.register, { secret: relaySecret, registrationKey: LOCAL_CONVEX_REGISTRATION_KEY, name: "bench relay" });
  // Sealed as the relay seals them: the page decrypts every row it shows, which is part of what is measured.
  const contentKey = generateContentKey();
  const key = await importContentKey(contentKey);
  const sessionId = await sessionIdFor(key, SESSION);
  const sessionKeyEnc = await seal(key, sessionContext(sessionId, "sessionKey"), SESSION);
  const now = Date.now();
  const history = await Promise.all(
    Array.from({ length: plan.historyRows }, async (_, i) => ({
      gatewayMessageId: `history-${i}`,
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      text: await seal(key, { sessionId, field: "text", row: transcriptRow(`history-${i}`) }, `History message ${i}: ${"some earlier words of the conversation ".repeat(4)}`),
      timestamp: now - (plan.historyRows - i) * 1000,
    })),
  );
  for (let i = 0; i < history.length; i += 100) {
    await http.mutation(api.relay.ingestTranscript, { relaySecret, sessionKey: sessionId, sessionKeyEnc, messages: history.slice(i, i + 100) });
  }
  const pairingToken = async () => {
    const token = randomBytes(32).toString("base64url");
    await http.mutation(api.pairing.create, { relaySecret, token });
    return token;
  };

  const { browser, stop: stopBrowser } = await launch();
  const baselineClient = new ConvexClient(convex.url, { unsavedChangesWarning: false });
  const stopBaseline = track("baseline client (web)", () => baselineClient.close());
  try {
    const renders: number[] = [];
    for (let i = 0; i < plan.firstRenders; i++) renders.push(await firstRender(browser, `${convex.siteUrl}/`));
    const firstRenderSummary = summarize(renders);
    log(`web: first render p50 ${Math.round(firstRenderSummary.p50)} ms, max ${Math.round(firstRenderSummary.max)} ms`);

    // The page: paired through the real link, the session open.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(`${convex.siteUrl}/pair#v=1&t=${await pairingToken()}&k=${contentKey}`);
    await page.waitForSelector(".session", { timeout: 30_000 });
    await page.click(".session");
    await page.waitForFunction(`document.querySelectorAll(".message").length >= ${Math.min(plan.historyRows, 30)}`, { timeout: 30_000 });
    await page.evaluate(`(() => {
      window.__seen = {};
      new MutationObserver(() => {
        const rows = document.querySelectorAll(".message.reply .bubble");
        const last = rows[rows.length - 1];
        if (!last) return;
        const at = Date.now();
        for (const m of last.textContent.matchAll(/\\bm(\\d+)x(\\d+)\\b/g)) window.__seen[m[0]] ??= at;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    const socket = await watchSocket(page);

    // The baseline: the same session through one live page of the newest rows, as a single paginated
    // subscription (usePaginatedQuery's first page) has it: every stream write re-reads and re-sends it.
    const baseToken = randomBytes(32).toString("base64url");
    await baselineClient.action(api.pairing.claim, { pairingToken: await pairingToken(), deviceToken: baseToken, deviceName: "bench baseline", platform: "bench" });
    let baseline: Received = { updates: 0, rows: 0, bytes: 0 };
    baselineClient.onUpdate(api.app.listMessages, { deviceToken: baseToken, sessionKey: sessionId, paginationOpts: { cursor: null, numItems: BASELINE_PAGE_ROWS } }, (result) => {
      baseline.updates += 1;
      baseline.rows += result.page.length;
      baseline.bytes += JSON.stringify(result).length;
    });
    await sleep(1000);
    socket.take();
    baseline = { updates: 0, rows: 0, bytes: 0 };

    const sent = new Map<string, number>();
    const pageTotals: Received = { updates: 0, rows: 0, bytes: 0 };
    const baseTotals: Received = { updates: 0, rows: 0, bytes: 0 };
    for (let r = 0; r < plan.replies; r++) {
      const runId = `bench-web-run-${r}-${randomBytes(3).toString("hex")}`;
      let text = "";
      for (let w = 0; w < plan.writesPerReply; w++) {
        const marker = `m${r}x${w}`;
        text += `${text ? " " : ""}${marker}`;
        const last = w === plan.writesPerReply - 1;
        sent.set(marker, Date.now());
        const sealed = await seal(key, { sessionId, field: "text", row: runRow(runId) }, text);
        await http.mutation(api.relay.upsertStream, { relaySecret, sessionKey: sessionId, runId, text: sealed, state: last ? "final" : "streaming" });
        await sleep(plan.writeIntervalMs);
      }
      await sleep(500);
      const p = socket.take();
      pageTotals.updates += p.updates;
      pageTotals.rows += p.rows;
      pageTotals.bytes += p.bytes;
      baseTotals.updates += baseline.updates;
      baseTotals.rows += baseline.rows;
      baseTotals.bytes += baseline.bytes;
      baseline = { updates: 0, rows: 0, bytes: 0 };
    }
    const seen = (await page.evaluate("window.__seen")) as Record<string, number>;
    const latencies: number[] = [];
    let missing = 0;
    for (const [marker, at] of sent) {
      const shown = seen[marker];
      if (shown === undefined) missing += 1;
      else latencies.push(Math.max(0, shown - at));
    }
    const perReply = (t: Received): Received => ({ updates: t.updates / plan.replies, rows: t.rows / plan.replies, bytes: Math.round(t.bytes / plan.replies) });
    const streamToScreen = summarize(latencies);
    log(`web: stream write → screen p99 ${Math.round(streamToScreen.p99)} ms (missing ${missing}); per reply page ${JSON.stringify(perReply(pageTotals))}, baseline ${JSON.stringify(perReply(baseTotals))}`);
    await context.close();
    return { jsBytes, jsGzipBytes, firstRender: firstRenderSummary, streamToScreen, missing, perReply: { page: perReply(pageTotals), baseline: perReply(baseTotals) }, plan };
  } finally {
    await stopBaseline();
    await stopBrowser();
    await stopConvex();
  }
}
