/**
 * The spool and writer on a real, tiny filesystem that fills up (a 64 KiB tmpfs). Opt-in, because it
 * mounts one: FASTCLAW_TEST_SMALL_FS=1 as root on Linux. The injected-fault tests cover the same paths always.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexWriter } from "../../src/convex-sync/convex-writer.js";
import { Spool } from "../../src/convex-sync/spool.js";
import { silentLogger } from "../../src/logging/logger.js";
import { ManualTransport, waitFor } from "./manual-transport.js";

const optedIn = process.env.FASTCLAW_TEST_SMALL_FS === "1";
const maybe = optedIn ? test : test.skip;

let mountPoint: string;
const spools: Spool[] = [];
beforeEach(async () => {
  if (!optedIn) return;
  mountPoint = await mkdtemp(path.join(os.tmpdir(), "fc-smallfs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mountPoint]);
});
afterEach(async () => {
  if (!optedIn) return;
  await Promise.all(spools.splice(0).map((spool) => spool.close()));
  execFileSync("umount", [mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
});

/** Fills the filesystem to the last page, halving the chunk size until nothing more fits. */
async function fill(file: string): Promise<void> {
  for (let size = 64 * 1024; size >= 512; size = Math.floor(size / 2)) {
    await writeFile(`${file}.${size}`, Buffer.alloc(size)).catch(() => rm(`${file}.${size}`, { force: true }));
  }
}

maybe("a full disk refuses the append with ENOSPC, the file stays whole, and writes wait until space returns", async () => {
  const spool = new Spool(path.join(mountPoint, "spool"));
  spools.push(spool);
  const transport = new ManualTransport();
  transport.connected = false;
  const writer = new ConvexWriter({ transport, spool, withCredential: (args) => args, logger: silentLogger() });
  await writer.start();
  writer.connectionChanged(false);
  await writer.write("relay:a", { n: 0 });
  const filler = path.join(mountPoint, "filler");
  await fill(filler);
  const held = Array.from({ length: 20 }, (_, n) => writer.write("relay:a", { n: n + 1, pad: "p".repeat(2000) }));
  await waitFor(() => writer.spoolStatus.state === "failing", 10_000);
  expect(writer.spoolStatus.failure?.code).toBe("ENOSPC");
  const read = await spool.read();
  expect(read.skipped).toBe(0); // no half-written line
  expect(read.entries[0]?.args.n).toBe(0);

  for (let size = 64 * 1024; size >= 512; size = Math.floor(size / 2)) await rm(`${filler}.${size}`, { force: true });
  await Promise.all(held); // the retry (backoff up to 30 s) writes them once there is room
  expect((await spool.read()).entries.map((entry) => entry.args.n)).toEqual(Array.from({ length: 21 }, (_, n) => n));
  expect(writer.spoolStatus.state).toBe("ok");
}, 60_000);
