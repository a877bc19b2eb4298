/** Measure 7's baseline: CPU per message of a process that only passes frames along, under the same node flags and pacing. */
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import type { PassAlongResult } from "./pass-along-child.js";
import { paced } from "./throughput.js";

/** A chat.send-sized request (≈ 300 bytes of JSON), as the relay sends per app message. */
function request(i: number): string {
  return JSON.stringify({
    type: "req",
    id: `r${i}`,
    method: "chat.send",
    params: { sessionKey: `agent:main:bench-${i % 8}`, message: `m${i} `.padEnd(180, "x"), idempotencyKey: `run-${i}`.padEnd(36, "0") },
  });
}

/** Frames at `ratePerSecond` to a child started with `nodeArgs`; its CPU per frame (ms), idle share taken off. */
export async function passAlongCpu(nodeArgs: readonly string[], ratePerSecond: number, frames: number): Promise<number> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(new URL("./pass-along-child.js", import.meta.url)), url, String(frames)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const socket = await new Promise<import("ws").WebSocket>((resolve) => server.once("connection", resolve));
    await new Promise((resolve) => socket.once("message", resolve)); // "ready": the child measured its idle CPU
    await paced(ratePerSecond, frames, (i) => socket.send(request(i)));
    const code = await exited;
    if (code !== 0) throw new Error(`pass-along child failed (exit ${code}): ${stderr.slice(0, 300)}`);
    const result = JSON.parse(stdout) as PassAlongResult;
    return result.cpuMs / result.frames;
  } finally {
    child.kill();
    await new Promise((resolve) => server.close(resolve));
  }
}
