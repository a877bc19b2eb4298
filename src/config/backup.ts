/** Copies config.json aside (`config.json.bak-<timestamp>`, 0600) before anything replaces what it holds. */
import { constants } from "node:fs";
import { chmod, copyFile } from "node:fs/promises";

/** `2025-01-02T03-04-05-678Z`: sortable, and free of characters some file systems refuse. */
export function backupStamp(now: number): string {
  return new Date(now).toISOString().replace(/[:.]/g, "-");
}

/** Returns the backup's path; never overwrites an earlier backup. */
export async function backupConfigFile(file: string, now: number = Date.now()): Promise<string> {
  let target = `${file}.bak-${backupStamp(now)}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 50) throw error;
      target = `${file}.bak-${backupStamp(now)}-${attempt}`;
    }
  }
  await chmod(target, 0o600);
  return target;
}
