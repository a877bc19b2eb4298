/** Pings: the server's Ping frames keep an idle ConvexClient connected past its 60 s inactivity limit. */
import { jest } from "@jest/globals";
import { WebSocket } from "ws";
import { api } from "../fixtures/local-convex-app/_generated/api.js";
import { Harness, record } from "./helpers.js";

const h = new Harness();
// Captured before any fake timers, to let real socket I/O happen between fake-time jumps.
const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

afterEach(async () => {
  jest.useRealTimers();
  await h.closeAll();
});

test("Ping frames arrive at the configured interval", async () => {
  const server = await h.server({ pingIntervalMs: 30 });
  const raw = new WebSocket(`${server.url.replace("http", "ws")}/api/1.48.0/sync`);
  const pings: number[] = [];
  raw.on("message", (data) => {
    if (JSON.parse(String(data)).type === "Ping") pings.push(Date.now());
  });
  await new Promise((resolve) => raw.once("open", resolve));
  await realSleep(200);
  raw.close();
  expect(pings.length).toBeGreaterThanOrEqual(3);
});

/**
 * The client's 60 s inactivity timer and the server's ping interval both run on jest's fake clock
 * (same process), so 75 s pass in milliseconds while the sockets do real I/O in between.
 */
async function idleFor75Seconds(pingIntervalMs: number): Promise<number> {
  jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "clearImmediate", "queueMicrotask"] });
  const server = await h.server({ pingIntervalMs, pollIntervalMs: 0 });
  const client = h.client(server);
  const list = record<string[]>((onValue, onError) => client.onUpdate(api.messages.list, { channel: "idle" }, onValue, onError));
  while (list.values.length === 0) await realSleep(5);
  for (let elapsed = 0; elapsed < 75_000; elapsed += 5_000) {
    jest.advanceTimersByTime(5_000);
    await realSleep(20); // deliver the pings (and any reconnect) sent during that jump
  }
  await realSleep(200); // let a reconnect triggered by the last jump finish its handshake
  const connects = server.stats().connections.total;
  jest.useRealTimers();
  return connects;
}

test("with pings every 10 s an idle client stays on its first connection for 75 s", async () => {
  expect(await idleFor75Seconds(10_000)).toBe(1);
});

test("control: without pings the same idle client reconnects after 60 s", async () => {
  expect(await idleFor75Seconds(0)).toBeGreaterThanOrEqual(2);
});
