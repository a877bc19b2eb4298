/** Child of measure 7's baseline: the least a process can do per relayed message (one JSON frame in, one out); prints its CPU as JSON. */
import WebSocket from "ws";

export interface PassAlongResult {
  frames: number;
  /** This process's user + system CPU over the frames, less its idle CPU over the same time. */
  cpuMs: number;
}

const IDLE_MS = 2_000;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function main(url: string, frames: number): Promise<PassAlongResult> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const idleStart = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idlePerMs = cpuMsSince(idleStart) / IDLE_MS;
  let seen = 0;
  let started: { cpu: NodeJS.CpuUsage; at: number } | undefined;
  const result = new Promise<PassAlongResult>((resolve) => {
    socket.on("message", (data) => {
      // Like the relay: parse what came in, answer with a frame of its own.
      const frame = JSON.parse(String(data)) as { id: string; params: unknown };
      started ??= { cpu: process.cpuUsage(), at: Date.now() };
      socket.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { status: "started", params: frame.params } }));
      if (++seen === frames) {
        const cpuMs = cpuMsSince(started.cpu) - idlePerMs * (Date.now() - started.at);
        resolve({ frames, cpuMs: Math.max(0, cpuMs) });
      }
    });
  });
  socket.send("ready");
  const out = await result;
  socket.close();
  return out;
}

const [url, frames] = process.argv.slice(2);
main(url!, Number(frames)).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
  },
);
