/** Files that hold the pairing code: `pair --save` keeps them private (0700 dir, 0600 files) and says where; --qr-file never leaks or follows links. */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LocalConvexServer } from "../../dev/local-convex/index.js";
import { pairFilesDir } from "../../src/pairing/pair-files.js";
import { writePrivateFile } from "../../src/pairing/private-files.js";
import type { Sandbox } from "../service/helpers.js";
import { claimAsApp, pairSandbox, startPair, startServer } from "./pair-helpers.js";

let server: LocalConvexServer;
let box: Sandbox;
let umask: number;
beforeAll(async () => {
  server = await startServer();
}, 180_000);
afterAll(async () => {
  await server.stop();
}, 180_000);
beforeEach(() => {
  box = pairSandbox();
  // The worst umask: nothing masked. Modes must come out private anyway.
  umask = process.umask(0o000);
}, 180_000);
afterEach(() => {
  process.umask(umask);
  box.cleanup();
}, 180_000);

const mode = (file: string) => statSync(file).mode & 0o777;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

test("pair --json --save: says where first, events and QR in a 0700 dir as 0600 files; the image goes when the code is done", async () => {
  const pair = startPair(["--json", "--save", "--convex-url", server.url, "--name", "Desk"], { env: box.env });
  const files = await pair.waitFor("files", 90_000);
  const dir = pairFilesDir(box.env);
  expect(files).toEqual({ event: "files", dir, events: path.join(dir, "events.jsonl"), qr: path.join(dir, "qr.png") });
  expect(pair.events()[0]).toEqual(files);
  expect(dir.startsWith(box.stateDir)).toBe(true);
  const pairing = await pair.waitFor("pairing", 90_000);
  expect(mode(dir)).toBe(0o700);
  expect(mode(files.events as string)).toBe(0o600);
  expect(mode(files.qr as string)).toBe(0o600);
  expect(readFileSync(files.qr as string).subarray(0, 4)).toEqual(PNG);
  const logged = () => readFileSync(files.events as string, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(logged().map((event) => event.event)).toEqual(["files", "registered", "pairing"]);
  expect(logged()[2]!.payload).toBe(pairing.payload);

  await claimAsApp(pairing.payload as string, "Pixel 8", "android");
  expect(await pair.done).toBe(0);
  expect(existsSync(files.qr as string)).toBe(false);
  expect(logged().slice(-2)).toEqual([{ event: "claimed", device: { name: "Pixel 8", platform: "android" } }, { event: "done", status: "claimed" }]);
  expect(mode(files.events as string)).toBe(0o600);
}, 180_000);

test("pair --save (human): says on stderr where the files are; a loosened pairing dir is made 0700 again", async () => {
  const dir = pairFilesDir(box.env);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  writeFileSync(path.join(dir, "qr.png"), "an old code");
  const pair = startPair(["--save", "--convex-url", server.url], { env: box.env });
  const end = Date.now() + 90_000;
  while (!pair.stdout.text().includes("Waiting for the app") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(pair.stderr.text()).toContain(`Pairing code and QR image go to ${dir} (only you can read them)`);
  expect(mode(dir)).toBe(0o700);
  expect(readFileSync(path.join(dir, "qr.png")).subarray(0, 4)).toEqual(PNG);
  pair.controller.abort();
  expect(await pair.done).toBe(1);
  expect(existsSync(path.join(dir, "qr.png"))).toBe(false);
  expect(readFileSync(path.join(dir, "events.jsonl"), "utf8")).toContain('{"event":"done","status":"aborted"}');
}, 180_000);

test("pair --save refuses a pairing dir that is a link (someone else's directory), exit 1, nothing written there", async () => {
  const elsewhere = path.join(box.root, "elsewhere");
  mkdirSync(elsewhere, { mode: 0o777 });
  mkdirSync(box.stateDir, { recursive: true });
  symlinkSync(elsewhere, pairFilesDir(box.env));
  const pair = startPair(["--json", "--save", "--convex-url", server.url], { env: box.env });
  expect(await pair.done).toBe(1);
  expect(pair.stderr.text()).toMatch(/is not a directory \(a link\?\): refusing to keep the pairing code there/);
  expect(existsSync(path.join(elsewhere, "events.jsonl"))).toBe(false);
}, 180_000);

test("--qr-file: created 0600 whatever the umask; a link planted at that name is refused, its target untouched", async () => {
  const qrFile = path.join(box.root, "code.png");
  const target = path.join(box.root, "victim.txt");
  writeFileSync(target, "keep me");
  symlinkSync(target, qrFile);
  const refused = startPair(["--json", "--qr-file", qrFile, "--convex-url", server.url], { env: box.env });
  expect(await refused.done).toBe(1);
  expect(refused.stderr.text()).toMatch(/code\.png exists and is not a file of yours: refusing to write the pairing code there/);
  expect(readFileSync(target, "utf8")).toBe("keep me");
  expect(lstatSync(qrFile).isSymbolicLink()).toBe(true);
}, 180_000);

test("writePrivateFile: an old file of ours is replaced (0600 again); another user's file is refused", async () => {
  const file = path.join(box.root, "qr.svg");
  writeFileSync(file, "old", { mode: 0o644 });
  await writePrivateFile(file, "new");
  expect(readFileSync(file, "utf8")).toBe("new");
  expect(mode(file)).toBe(0o600);
  const uid = statSync(file).uid;
  await expect(writePrivateFile(file, "x", uid + 1)).rejects.toThrow(/is not a file of yours/);
  expect(readFileSync(file, "utf8")).toBe("new");
}, 180_000);
