/** The last N lines of relay.log, reaching into the rotated files (relay1.log…) when the live one is short. */
import { open } from "node:fs/promises";
import { rotatedName } from "./transports.js";

const CHUNK = 64 * 1024;

/** Last `count` lines of one file (without trailing newline); [] when the file does not exist. */
export async function lastLinesOfFile(file: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let text = "";
    // Read backwards until there are more than `count` newlines (the extra one bounds the first line).
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      text = buffer.toString("utf8") + text;
      if (text.split("\n").length > count + 1) break;
    }
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

/** Last `count` lines across `file` and its rotated predecessors, oldest first. */
export async function lastLines(file: string, count: number, maxRotated = 20): Promise<string[]> {
  let lines: string[] = [];
  for (let n = 0; n <= maxRotated && lines.length < count; n += 1) {
    const older = await lastLinesOfFile(rotatedName(file, n), count - lines.length);
    if (older.length === 0 && n > 0) break;
    lines = [...older, ...lines];
  }
  return lines;
}
