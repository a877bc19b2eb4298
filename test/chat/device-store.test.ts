/** chat-device.json: 0600 in a 0700 dir, atomic, and a damaged or missing file is reported plainly. */
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { statePaths } from "../../src/config/paths.js";
import { ChatError } from "../../src/chat/chat-error.js";
import { chatDeviceFile, loadChatDevice, removeChatDevice, saveChatDevice, type ChatDevice } from "../../src/chat/device-store.js";

let root: string;
let file: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fcr-chat-"));
  file = chatDeviceFile(statePaths({ HOME: path.join(root, "home"), FASTCLAW_STATE_DIR: path.join(root, "state") }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const device: ChatDevice = {
  version: 1,
  convexUrl: "http://127.0.0.1:3210",
  deviceToken: "d".repeat(43),
  contentKey: "k".repeat(43),
  deviceName: "term",
  instanceName: "Desk",
  pairedAt: 1,
};

test("lives in the relay's state dir as chat-device.json", () => {
  expect(file).toBe(path.join(root, "state", "chat-device.json"));
});

test("missing: undefined; saved: read back, file 0600 and dir 0700", async () => {
  expect(await loadChatDevice(file)).toBeUndefined();
  await saveChatDevice(file, device);
  expect(await loadChatDevice(file)).toEqual(device);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  await removeChatDevice(file);
  expect(await loadChatDevice(file)).toBeUndefined();
});

test.each([["not json"], [JSON.stringify({ ...device, deviceToken: "short" })], [JSON.stringify({ ...device, version: 2 })]])(
  "a damaged file is a DEVICE_FILE error naming it: %s",
  async (text) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    const error = await loadChatDevice(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe("DEVICE_FILE");
    expect((error as ChatError).message).toContain(file);
    expect((error as ChatError).hint).toMatch(/pair again/);
  },
);

test("an unreadable path is a DEVICE_FILE error", async () => {
  mkdirSync(file, { recursive: true }); // a directory where the file should be
  const error = await loadChatDevice(file).catch((e: unknown) => e);
  expect((error as ChatError).code).toBe("DEVICE_FILE");
  expect((error as ChatError).message).toMatch(/cannot be read \(EISDIR\)/);
});
