import { mkdtemp, readFile, appendFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Spool } from "../../src/convex-sync/spool.js";
import { FaultyFs } from "./faulty-fs.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fc-spool-"));
  dirs.push(dir);
  return dir;
}

const opened: Spool[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((spool) => spool.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function open(dir: string, fs?: FaultyFs): Spool {
  const spool = new Spool(dir, fs);
  opened.push(spool);
  return spool;
}

const entry = (n: number) => ({ fn: "relay:ingestTranscript", args: { n }, at: 1000 + n });

describe("Spool", () => {
  test("keeps entries in order across a new instance (a restarted relay)", async () => {
    const dir = await tempDir();
    const first = open(dir);
    await first.append([entry(1), entry(2)]);
    await first.append([entry(3)]);
    await first.close();

    const second = open(dir);
    const { entries, skipped } = await second.read();
    expect(entries.map((e) => e.args.n)).toEqual([1, 2, 3]);
    expect(skipped).toBe(0);
    expect((await stat(second.file)).mode & 0o777).toBe(0o600);
  });

  test("a torn last line (crash mid-append) is not read, and earlier entries still are", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    await spool.append([entry(1)]);
    await appendFile(spool.file, '{"fn":"relay:upsertStream","ar');
    const { entries, endOffset } = await spool.read();
    expect(entries.map((e) => e.args.n)).toEqual([1]);
    expect(endOffset).toBe(Buffer.byteLength(`${JSON.stringify(entry(1))}\n`));
  });

  test("a damaged complete line is skipped and counted, not fatal", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    await spool.append([entry(1)]);
    await appendFile(spool.file, "not json\n");
    await spool.append([entry(2)]);
    const { entries, skipped } = await spool.read();
    expect(entries.map((e) => e.args.n)).toEqual([1, 2]);
    expect(skipped).toBe(1);
  });

  test("read from an offset returns only what was appended after it", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    await spool.append([entry(1)]);
    const first = await spool.read();
    await spool.append([entry(2)]);
    const second = await spool.read(first.endOffset);
    expect(second.entries.map((e) => e.args.n)).toEqual([2]);
  });

  test("exclusive truncate empties the file and later appends start fresh", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    await spool.append([entry(1)]);
    await spool.exclusive((s) => s.truncate());
    expect(await spool.size()).toBe(0);
    await spool.append([entry(2)]);
    expect((await readFile(spool.file, "utf8")).trim()).toBe(JSON.stringify(entry(2)));
  });
  test("a limited read returns one window and the offset to resume from, so a large spool is read in pieces", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    await spool.append(Array.from({ length: 10 }, (_, n) => entry(n)));
    const lineBytes = Buffer.byteLength(`${JSON.stringify(entry(0))}\n`);
    const byCount = await spool.read(0, { maxEntries: 3 });
    expect(byCount.entries.map((e) => e.args.n)).toEqual([0, 1, 2]);
    expect(byCount.endOffset).toBe(3 * lineBytes);
    // A byte window that ends mid-line stops before that line rather than tearing it.
    const byBytes = await spool.read(byCount.endOffset, { maxBytes: 2 * lineBytes + 5 });
    expect(byBytes.entries.map((e) => e.args.n)).toEqual([3, 4]);
    expect(byBytes.skipped).toBe(0);
    const rest = await spool.read(byBytes.endOffset);
    expect(rest.entries.map((e) => e.args.n)).toEqual([5, 6, 7, 8, 9]);
  });

  test("an entry longer than the byte window is still read whole", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    const big = { fn: "relay:ingestTranscript", args: { n: 1, text: "x".repeat(10_000) }, at: 1 };
    await spool.append([big, entry(2)]);
    const { entries, skipped } = await spool.read(0, { maxBytes: 100 });
    expect(entries).toEqual([big]);
    expect(skipped).toBe(0);
  });

  test("appends issued together are written in call order, each resolving once on disk", async () => {
    const dir = await tempDir();
    const spool = open(dir);
    const appends = Array.from({ length: 200 }, (_, n) => spool.append([entry(n)]));
    let durableBeforeResolve = true;
    await Promise.all(
      appends.map((append, n) =>
        append.then(async () => {
          const text = await readFile(spool.file, "utf8");
          if (!text.includes(`{"n":${n}}`)) durableBeforeResolve = false;
        }),
      ),
    );
    expect(durableBeforeResolve).toBe(true);
    expect((await spool.read()).entries.map((e) => e.args.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  test("a failed append (ENOSPC part-way through) rejects and leaves the file as it was; the next one is read whole", async () => {
    const fs = new FaultyFs();
    const spool = open(await tempDir(), fs);
    await spool.append([entry(1)]);
    const before = await spool.size();
    fs.full = true;
    await expect(spool.append([entry(2), entry(3)])).rejects.toMatchObject({ code: "ENOSPC" });
    expect(await spool.size()).toBe(before);
    fs.full = false;
    await spool.append([entry(2), entry(3)]);
    expect(await spool.read()).toEqual({ entries: [entry(1), entry(2), entry(3)], endOffset: await spool.size(), skipped: 0 });
  });

  test("a failed fsync is a failed append: the entry is taken back, not left to look durable", async () => {
    const fs = new FaultyFs();
    const spool = open(await tempDir(), fs);
    fs.fsyncFails = "EIO";
    await expect(spool.append([entry(1)])).rejects.toMatchObject({ code: "EIO" });
    expect(await spool.size()).toBe(0);
  });

  test("a torn tail left by a crash does not swallow the next run's first entry", async () => {
    const dir = await tempDir();
    const crashed = open(dir);
    await crashed.append([entry(1)]);
    await appendFile(crashed.file, '{"fn":"relay:upsertStream","ar');
    await crashed.close();
    const next = open(dir);
    await next.append([entry(2)]);
    const { entries, skipped } = await next.read();
    expect(entries.map((e) => e.args.n)).toEqual([1, 2]);
    expect(skipped).toBe(1);
  });

  test("emptying a spool that was never written works (no directory yet) and needs no free space", async () => {
    const never = open(path.join(await tempDir(), "spool"));
    await expect(never.exclusive((s) => s.truncate())).resolves.toBeUndefined();
    const fs = new FaultyFs();
    const spool = open(await tempDir(), fs);
    await spool.append([entry(1)]);
    fs.full = true;
    await spool.exclusive((s) => s.truncate());
    expect(await spool.size()).toBe(0);
  });
});
