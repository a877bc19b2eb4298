/** A stop's flush holds the process open by itself: nothing else need be pending for the unanswered writes to reach the spool. */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

// The writer as shipped (dist/; `npm test` builds it first), in a process where a Convex write that is never
// answered is the only thing in flight: the clock's timers are unref'd, so without the flush's own hold the
// process would end in the middle of the stop.
const compiled = (file: string) => pathToFileURL(path.resolve("dist/src/convex-sync", file)).href;
const script = (dir: string) => `
import { ConvexWriter } from ${JSON.stringify(compiled("convex-writer.js"))};
import { Spool } from ${JSON.stringify(compiled("spool.js"))};
const logger = { info() {}, warn() {}, error() {}, debug() {} };
const spool = new Spool(${JSON.stringify(dir)});
const writer = new ConvexWriter({
  transport: { mutation: () => new Promise(() => {}), isConnected: () => true },
  spool, logger, withCredential: (args) => args,
});
await writer.start();
void writer.write("relay:a", { n: 1 });
const result = await writer.flush(300);
const { entries } = await spool.read();
await spool.close();
console.log(JSON.stringify({ result, spooled: entries.map((e) => e.args.n) }));
`;

test("a relay whose only pending work is an unanswered write still finishes its flush and spools the write", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fc-flush-hold-"));
  try {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script(dir)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({ result: { drained: false, unsaved: 0 }, spooled: [1] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 20_000);
