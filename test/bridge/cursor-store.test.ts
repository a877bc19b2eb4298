/** CursorStore: a cursor file that can't be written keeps the older cursors in force and says so once. */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CursorStore } from "../../src/bridge/cursor-store.js";
import { recordingLogger } from "../support/capture-logger.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "fcr-cursors-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test("a save that fails resolves (the older cursor on disk is safe), is logged once, and the next good save writes the newest", async () => {
  const blocked = path.join(dir, "state");
  await writeFile(blocked, "a file where the state dir should be"); // every save fails
  const { logger, records } = recordingLogger();
  const store = new CursorStore(path.join(blocked, "cursors.json"), "i", logger);
  await store.load();
  await expect(store.set("s", "c1")).resolves.toBeUndefined();
  await store.set("s", "c2");
  const warnings = records.filter((r) => r.level === "warn");
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) }); // EEXIST or ENOTDIR: the path runs through a file

  await rm(blocked);
  await store.set("t", "c3");
  expect(JSON.parse(await readFile(path.join(blocked, "cursors.json"), "utf8"))).toEqual({ instanceId: "i", sessions: { s: "c2", t: "c3" } });
  expect(await readdir(blocked)).toEqual(["cursors.json"]); // no temp file left behind
  expect(records.filter((r) => r.message === "catch-up cursors saved again")).toHaveLength(1);
});

test("flush resolves once every cursor set so far is on disk, whether or not its caller waited", async () => {
  const file = path.join(dir, "state", "cursors.json");
  const store = new CursorStore(file, "i");
  await store.load();
  void store.set("a", "1");
  void store.set("b", "2");
  await store.flush();
  expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ instanceId: "i", sessions: { a: "1", b: "2" } });
  expect(await readdir(path.dirname(file))).toEqual(["cursors.json"]);
});
