/** Unit: the Gateway's attachment limits are published to Convex at every connect, as `files.setPolicy` takes them. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { filePolicyArgs } from "../../src/bridge/file-policy.js";
import { RelayBridge } from "../../src/bridge/relay-bridge.js";
import { sealWrite } from "../../src/bridge/seal-writes.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeGateway, SubscribingConvex, testBridgeOptions } from "./fakes.js";

const MB = 1024 * 1024;

describe("filePolicyArgs", () => {
  test("takes the advertised file and image limits", () => {
    expect(filePolicyArgs({ maxBytes: 20 * MB, maxImageBytes: 6 * MB, maxPayload: 25 * MB })).toEqual({ maxBytes: 20 * MB, maxImageBytes: 6 * MB });
  });
  test("an image limit left out, or above the file limit, is the file limit", () => {
    expect(filePolicyArgs({ maxBytes: 5 * MB, maxImageBytes: undefined, maxPayload: undefined })).toEqual({ maxBytes: 5 * MB, maxImageBytes: 5 * MB });
    expect(filePolicyArgs({ maxBytes: 5 * MB, maxImageBytes: 6 * MB, maxPayload: undefined })).toEqual({ maxBytes: 5 * MB, maxImageBytes: 5 * MB });
  });
  test("a Gateway that advertises no file limit publishes nothing (Convex keeps its defaults)", () => {
    expect(filePolicyArgs({ maxBytes: undefined, maxImageBytes: 6 * MB, maxPayload: undefined })).toBeUndefined();
    expect(filePolicyArgs(undefined)).toBeUndefined();
  });
  test("the owner's retention (relay.fileRetentionDays) goes with the limits, in ms", () => {
    expect(filePolicyArgs({ maxBytes: 20 * MB, maxImageBytes: 6 * MB, maxPayload: undefined }, 7)).toEqual({
      maxBytes: 20 * MB,
      maxImageBytes: 6 * MB,
      retentionMs: 7 * 24 * 60 * 60_000,
    });
  });
  test("fractional sizes become integers, as setPolicy requires", () => {
    expect(filePolicyArgs({ maxBytes: 1000.7, maxImageBytes: 0.5, maxPayload: undefined })).toEqual({ maxBytes: 1000, maxImageBytes: 1 });
  });
});

describe("RelayBridge publishes the policy", () => {
  let dir: string;
  let bridge: RelayBridge | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "fcr-file-policy-"));
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function started(convex: SubscribingConvex, fileRetentionDays?: number): Promise<RelayBridge> {
    const cursors = new CursorStore(path.join(dir, "cursors.json"), "instance-1");
    await cursors.load();
    bridge = new RelayBridge(
      testBridgeOptions({ gateway: new FakeGateway(), convex, cursors, logger: silentLogger(), ...(fileRetentionDays !== undefined ? { fileRetentionDays } : {}) }),
    );
    bridge.start();
    return bridge;
  }

  test("on every connect, with that connection's limits", async () => {
    const convex = new SubscribingConvex();
    const b = await started(convex);
    b.connected({ serverVersion: "t", attachmentPolicy: { maxBytes: 20 * MB, maxImageBytes: 6 * MB, maxPayload: 25 * MB } });
    b.disconnected({ message: "gone" });
    b.connected({ serverVersion: "t", attachmentPolicy: { maxBytes: 10 * MB, maxImageBytes: 6 * MB, maxPayload: 25 * MB } });
    expect(convex.calls("files:setPolicy")).toEqual([
      { maxBytes: 20 * MB, maxImageBytes: 6 * MB },
      { maxBytes: 10 * MB, maxImageBytes: 6 * MB },
    ]);
  });

  test("with the retention the config sets", async () => {
    const convex = new SubscribingConvex();
    const b = await started(convex, 2);
    b.connected({ serverVersion: "t", attachmentPolicy: { maxBytes: 20 * MB, maxImageBytes: 6 * MB, maxPayload: 25 * MB } });
    expect(convex.calls("files:setPolicy")).toEqual([{ maxBytes: 20 * MB, maxImageBytes: 6 * MB, retentionMs: 2 * 24 * 60 * 60_000 }]);
  });

  test("not when the Gateway advertises no limits", async () => {
    const convex = new SubscribingConvex();
    const b = await started(convex);
    b.connected({ serverVersion: "t" });
    expect(convex.calls("files:setPolicy")).toEqual([]);
  });

  test("the sealed writer lets it through unchanged (sizes only, nothing to seal)", async () => {
    const args = { maxBytes: 5, maxImageBytes: 5 };
    const scope = { key: undefined as never, sessionId: () => Promise.reject(new Error("no session")), appMessage: () => undefined };
    await expect(sealWrite("files:setPolicy", args, scope)).resolves.toEqual(args);
  });
});
