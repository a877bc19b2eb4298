/** Where the run's shared Chromium is recorded, and how global teardown stops it (no puppeteer needed here). */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

export interface SharedBrowserRecord {
  wsEndpoint: string;
  pid: number;
  /** Its profile directory, inside the e2e run dir (deleted with it). */
  userDataDir: string;
}

export const browserRecordFile = (runDir: string) => path.join(runDir, "browser.json");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the Chromium a test file started for this run, if any: SIGTERM, then SIGKILL after 5 s. */
export async function stopSharedBrowser(runDir: string): Promise<void> {
  let record: SharedBrowserRecord;
  try {
    record = JSON.parse(await readFile(browserRecordFile(runDir), "utf8")) as SharedBrowserRecord;
  } catch {
    return;
  }
  if (alive(record.pid)) {
    process.kill(record.pid, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (alive(record.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (alive(record.pid)) process.kill(record.pid, "SIGKILL");
  }
  await rm(browserRecordFile(runDir), { force: true });
  await rm(record.userDataDir, { recursive: true, force: true });
}
