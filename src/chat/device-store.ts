/** chat-device.json: the chat client's own device credential and content key, 0600 in the relay's state dir (never printed). */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StatePaths } from "../config/paths.js";
import { CONTENT_KEY_PATTERN } from "../e2e/content-key.js";
import { ChatError } from "./chat-error.js";

export interface ChatDevice {
  version: 1;
  convexUrl: string;
  /** The device token this client made and Convex knows by its hash: a credential. */
  deviceToken: string;
  /** The relay's end-to-end content key, from the pairing payload: as secret as the device token. */
  contentKey: string;
  deviceName: string;
  instanceName: string;
  pairedAt: number;
}

export function chatDeviceFile(paths: StatePaths): string {
  return path.join(paths.dir, "chat-device.json");
}

const TOKEN = /^[A-Za-z0-9_-]{43,128}$/;


function isChatDevice(value: unknown): value is ChatDevice {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === 1 &&
    typeof v.convexUrl === "string" &&
    typeof v.deviceToken === "string" &&
    TOKEN.test(v.deviceToken) &&
    typeof v.contentKey === "string" &&
    CONTENT_KEY_PATTERN.test(v.contentKey) &&
    typeof v.deviceName === "string" &&
    typeof v.instanceName === "string" &&
    typeof v.pairedAt === "number"
  );
}

/** The saved device, or undefined when there is none; a damaged file is a ChatError naming it. */
export async function loadChatDevice(file: string): Promise<ChatDevice | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ChatError("DEVICE_FILE", `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isChatDevice(parsed)) {
    const v = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
    if (v !== undefined && v.contentKey === undefined && typeof v.deviceToken === "string") {
      throw new ChatError("DEVICE_FILE", `${file} was paired before end-to-end encryption (it holds no content key)`, "Pair again with --pair.");
    }
    throw new ChatError("DEVICE_FILE", `${file} is damaged`, "Delete it and pair again with --pair.");
  }
  return parsed;
}

/** Writes the device file 0600 (directory 0700), write-then-rename so it is never half written. */
export async function saveChatDevice(file: string, device: ChatDevice): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(device, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export async function removeChatDevice(file: string): Promise<void> {
  await rm(file, { force: true });
}
