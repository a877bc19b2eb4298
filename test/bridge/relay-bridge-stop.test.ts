/** Stopping the bridge: it returns only once the catch-up cursors it moved are on disk. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { RelayBridge } from "../../src/bridge/relay-bridge.js";
import { silentLogger } from "../../src/logging/logger.js";
import { FakeGateway, SubscribingConvex, testBridgeOptions } from "./fakes.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-bridge-stop-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("stop waits for cursor saves still in flight: the newest cursor is on disk and no temp file is left", async () => {
  const cursors = new CursorStore(path.join(dir, "state", "cursors.json"), "instance-1");
  await cursors.load();
  const bridge = new RelayBridge(testBridgeOptions({ gateway: new FakeGateway(), convex: new SubscribingConvex(), cursors, logger: silentLogger() }));
  bridge.start();
  // As a catch-up that finished just before the signal leaves it: moved in memory, its save under way.
  void cursors.set("s", "c1");
  void cursors.set("s", "c2");
  await bridge.stop();
  expect(readdirSync(path.join(dir, "state"))).toEqual(["cursors.json"]);
  expect(JSON.parse(readFileSync(path.join(dir, "state", "cursors.json"), "utf8"))).toEqual({ instanceId: "instance-1", sessions: { s: "c2" } });
});
