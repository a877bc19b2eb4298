/** Writes a service file only when its bytes change (atomic rename), so a second install touches nothing. */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FileChange } from "./manager.js";

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function writeIfChanged(file: string, content: string, force: boolean): Promise<FileChange> {
  const current = await readIfExists(file);
  if (current === content && !force) return "unchanged";
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, file);
  if (current === undefined) return "created";
  return current === content ? "rewritten" : "updated";
}
