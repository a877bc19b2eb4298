/** Drives the web app in a browser page for e2e tests: pair through the real link, open a chat, send, read. */
import { randomBytes } from "node:crypto";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import type { ElementHandle, Page } from "puppeteer-core";
import type { Pipeline } from "../bridge/pipeline.js";

/** A fresh one-time pairing code of the pipeline's relay, as `fastclaw-relay pair` makes it. */
export async function newPairingToken(pipeline: Pipeline): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const http = new ConvexHttpClient(pipeline.convex.url);
  await http.mutation(makeFunctionReference<"mutation", Record<string, unknown>, unknown>("pairing:create"), { relaySecret: pipeline.secret, token });
  return token;
}

/** The link `pair` shows: the code and the relay's content key in the fragment. */
export const pairingUrl = (pipeline: Pipeline, token: string) => `${pipeline.convex.siteUrl}/pair#v=1&t=${token}&k=${pipeline.contentKey}`;

/** Opens a fresh pairing link and waits for the chats screen. */
export async function openPaired(page: Page, pipeline: Pipeline): Promise<void> {
  await page.goto(pairingUrl(pipeline, await newPairingToken(pipeline)));
  await page.waitForSelector(".topbar", { timeout: 30_000 });
}

/** Starts a new chat and sends `text` in it. */
export async function sendInNewChat(page: Page, text: string): Promise<void> {
  await clickButton(page, "New chat");
  await page.waitForSelector("#composer-input");
  await page.type("#composer-input", text);
  await clickButton(page, "Send");
}

/** Clicks the visible, enabled button whose text is exactly `label`. */
export async function clickButton(page: Page, label: string): Promise<void> {
  const handle = await page.waitForFunction(
    `[...document.querySelectorAll("button")].find((b) => b.textContent.trim() === ${JSON.stringify(label)} && b.getClientRects().length > 0 && !b.disabled)`,
    { timeout: 30_000 },
  );
  await (handle as unknown as ElementHandle<Element>).click();
}

/** Waits until the page shows `text` somewhere in the body. */
export async function waitForText(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  try {
    await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`, { timeout: timeoutMs });
  } catch (error) {
    // Say what the page showed instead, so a failure in CI explains itself.
    const shown = (await page.evaluate("document.body.innerText").catch(() => "(page gone)")) as string;
    throw new Error(`the page did not show ${JSON.stringify(text)} within ${timeoutMs} ms (${String(error)}); it showed:\n${shown.slice(0, 2_000)}`);
  }
}

/** The paired relays this page's origin keeps (localStorage), to check them from outside the browser. */
export async function storedDevices(page: Page): Promise<{ deviceToken: string; contentKey?: string }[]> {
  const raw = (await page.evaluate(`localStorage.getItem("fastclaw.instances.v1") ?? "[]"`)) as string;
  return JSON.parse(raw) as { deviceToken: string; contentKey?: string }[];
}

/** The device tokens this page's origin keeps. */
export async function storedDeviceTokens(page: Page): Promise<string[]> {
  return (await storedDevices(page)).map((entry) => entry.deviceToken);
}

/** Opens the chat whose name in the chats list is exactly `title`. */
export async function openChat(page: Page, title: string): Promise<void> {
  const handle = await page.waitForFunction(
    `[...document.querySelectorAll(".session")].find((s) => s.querySelector(".session-title")?.textContent === ${JSON.stringify(title)})`,
    { timeout: 30_000 },
  );
  await (handle as unknown as ElementHandle<Element>).click();
}
