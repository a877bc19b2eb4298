/**
 * A real browser for e2e tests: ONE headless Chromium (Debian's /usr/bin/chromium) per test run, started
 * by the first test file that asks and shared through a record in the run dir (global teardown stops it);
 * a fresh incognito context per test, as a phone: 375×812, deviceScaleFactor 2, touch.
 *
 *   const browser = useBrowser();                 // in a describe: connects before, disconnects after
 *   const { page, problems } = await browser().phone();   // per test; close it with page.browserContext().close()
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { browserRecordFile, type SharedBrowserRecord } from "./browser-process.js";
import { e2eInfo } from "./gateway-fixture.js";

export const CHROMIUM_PATH = process.env.FASTCLAW_CHROMIUM ?? "/usr/bin/chromium";
export const PHONE_VIEWPORT = { width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function connect(record: SharedBrowserRecord): Promise<Browser | undefined> {
  try {
    return await puppeteer.connect({ browserWSEndpoint: record.wsEndpoint, defaultViewport: null });
  } catch {
    return undefined;
  }
}

/** Connects to the run's Chromium, launching it if this is the first file (or it died). */
export async function sharedBrowser(): Promise<Browser> {
  const runDir = e2eInfo().runDir;
  const file = browserRecordFile(runDir);
  try {
    const existing = await connect(JSON.parse(await readFile(file, "utf8")) as SharedBrowserRecord);
    if (existing) return existing;
  } catch {
    // No record yet: launch below.
  }
  const userDataDir = path.join(runDir, "chromium-profile");
  await mkdir(userDataDir, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    userDataDir,
    args: ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"],
    defaultViewport: null,
    // Teardown stops it (by pid) after the last file; jest's own signal handling must not race that.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const pid = browser.process()?.pid;
  if (pid === undefined) throw new Error("browser fixture: Chromium started without a pid");
  const record: SharedBrowserRecord = { wsEndpoint: browser.wsEndpoint(), pid, userDataDir };
  await writeFile(file, JSON.stringify(record), { mode: 0o600 });
  return browser;
}

export interface PhonePage {
  page: Page;
  /** Page errors, CSP violations and console errors seen so far: a test usually expects none. */
  problems: string[];
  close(): Promise<void>;
}

export interface BrowserFixture {
  phone(): Promise<PhonePage>;
}

/** Opens a fresh incognito context with one phone-sized page that records errors and CSP violations. */
export async function phonePage(browser: Browser): Promise<PhonePage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(PHONE_VIEWPORT);
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
  page.on("console", (message) => {
    // Chromium closes a page's sockets when history navigation puts it in the back/forward cache: expected.
    if (message.type() === "error" && !/Back-Forward Cache/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  // CDP-injected, so the page's CSP does not apply to this listener itself.
  await page.evaluateOnNewDocument(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  return { page, problems, close: () => context.close() };
}

/**
 * For a describe block: the shared browser, connected before its tests and disconnected (not closed) after.
 * Every phone page a test opens is closed after that test, so a failed test leaves no context behind.
 */
export function useBrowser(): () => BrowserFixture {
  let browser: Browser | undefined;
  const open = new Set<PhonePage>();
  beforeAll(async () => {
    browser = await sharedBrowser();
  }, 60_000);
  afterEach(async () => {
    const phones = [...open];
    open.clear();
    await Promise.all(phones.map((phone) => phone.close()));
  });
  afterAll(async () => {
    await browser?.disconnect();
  });
  return () => {
    if (!browser) throw new Error("browser fixture: not connected (beforeAll failed?)");
    const connected = browser;
    return {
      phone: async () => {
        const phone = await phonePage(connected);
        open.add(phone);
        return {
          ...phone,
          close: async () => {
            if (open.delete(phone)) await phone.close();
          },
        };
      },
    };
  };
}

/** Saves a screenshot under .test-artifacts/ (gitignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve(".test-artifacts");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png` });
  return file;
}
