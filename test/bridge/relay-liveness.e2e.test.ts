/**
 * Relay e2e (issue 11, items 5 and 6): `status` calls a frozen relay "not responding", and a Gateway
 * connection that falls into a network black hole is noticed within 15 s, reported, replaced, and no
 * send is repeated on it. The relay runs as its own process, dialling the real Gateway through a
 * loopback proxy the test can switch into a black hole.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { RUNTIME_REFRESH_MS, RUNTIME_STALE_AFTER_MS } from "../../src/runtime/runtime-state.js";
import { runRelayCli } from "../chat/relay-cli.js";
import { BlackholeProxy, type ProxiedConnection } from "../support/blackhole-proxy.js";
import { e2eInfo } from "../support/gateway-fixture.js";
import { eventually, expectTranscriptMatchesConvex, Pipeline, sessionKey } from "./pipeline.js";

/** The promise: a dead Gateway connection shows as not connected within this. */
const NOTICE_WITHIN_MS = 15_000;

let proxy: BlackholeProxy;
let pipeline: Pipeline;
/** The environment `status` runs in. */
let statusEnv: Record<string, string>;

/**
 * This machine has no systemd user manager, and `status` counts an unreachable service manager as a
 * problem, so it could never say healthy here. A stand-in `systemctl` (the one fake: nothing real can
 * run) answers that the unit is not installed, as on a desktop where the relay was started by hand.
 */
async function systemctlWithoutUnit(dir: string): Promise<string> {
  const bin = path.join(dir, "fake-bin");
  await mkdir(bin, { recursive: true });
  const script = path.join(bin, "systemctl");
  await writeFile(script, '#!/bin/sh\necho "LoadState=not-found"\necho "ActiveState=inactive"\necho "SubState=dead"\necho "MainPID=0"\necho "Version=255"\n');
  await chmod(script, 0o755);
  return bin;
}

beforeAll(async () => {
  proxy = await BlackholeProxy.start(e2eInfo().gatewayUrl);
  pipeline = await Pipeline.start({ gatewayUrl: proxy.url });
  statusEnv = { ...pipeline.home.env, PATH: `${await systemctlWithoutUnit(pipeline.home.dir)}:${process.env.PATH ?? ""}` };
}, 120_000);

afterAll(async () => {
  // A relay left stopped by a failed test could not even take its SIGTERM.
  pipeline?.relay?.child.kill("SIGCONT");
  await pipeline?.stop();
  await proxy?.close();
}, 60_000);

interface StatusJson {
  healthy: boolean;
  runtime: { running: boolean; responding?: boolean; pid?: number };
  gateway: { known: boolean; connected?: boolean; why?: string };
  convex: { relayConnected?: boolean };
  problems: string[];
}

async function status(): Promise<StatusJson> {
  const ran = await runRelayCli(["status", "--json"], statusEnv);
  if (ran.code !== 0) throw new Error(`status --json exited ${ran.code}: ${ran.stderr}`);
  return JSON.parse(ran.stdout) as StatusJson;
}

async function healthy(timeoutMs: number): Promise<StatusJson> {
  return eventually(async () => {
    const report = await status();
    if (!report.healthy || report.gateway.connected !== true) throw new Error(`not healthy: ${JSON.stringify(report.problems)}`);
    return report;
  }, timeoutMs, 500);
}

test("5. a relay frozen with SIGSTOP is 'not responding' in status (text and json) and fails --require-healthy; after SIGCONT it is healthy again", async () => {
  const child = pipeline.relay!.child;
  await healthy(30_000);
  child.kill("SIGSTOP");
  const stoppedAt = Date.now();
  try {
    const frozen = await eventually(
      async () => {
        const report = await status();
        if (report.runtime.responding !== false) throw new Error(`still called responding: ${JSON.stringify(report.runtime)}`);
        return report;
      },
      RUNTIME_STALE_AFTER_MS + 30_000,
      1_000,
    );
    const noticedMs = Date.now() - stoppedAt;
    process.stderr.write(`[e2e] a frozen relay was reported not responding ${noticedMs} ms after SIGSTOP (limit ${RUNTIME_STALE_AFTER_MS} ms)\n`);
    // The last refresh before the stop may be up to one period old.
    expect(noticedMs).toBeGreaterThanOrEqual(RUNTIME_STALE_AFTER_MS - RUNTIME_REFRESH_MS);
    expect(frozen).toMatchObject({ healthy: false, runtime: { running: true, responding: false, pid: child.pid }, gateway: { known: false } });
    expect(frozen.gateway.connected).toBeUndefined();
    expect(frozen.convex.relayConnected).toBeUndefined();
    expect(frozen.problems).toContain("relay not responding");

    const text = await runRelayCli(["status", "--require-healthy"], statusEnv);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^Runtime: +running \\(pid ${child.pid}.*\\) but not responding: its state was last updated \\S+ ago$`, "m"));
    expect(text.stdout).toMatch(/^Gateway: +unknown \(the relay is not responding\)$/m);
    expect(text.stdout).not.toMatch(/^Gateway: +connected/m);
    expect(text.stderr).toMatch(/stopped updating its state/);
  } finally {
    child.kill("SIGCONT");
  }
  await healthy(60_000);
  expect((await runRelayCli(["status", "--require-healthy"], statusEnv)).code).toBe(0);
}, 180_000);

test("6. a black-holed Gateway connection is noticed within 15 s (status: not connected), replaced, and no send is repeated on it", async () => {
  await pipeline.waitForRelay(60_000);
  const live = proxy.connections.filter((c) => !c.closed);
  expect(live).toHaveLength(1);
  const dead: ProxiedConnection = live[0]!;
  const seenBefore = dead.requests.length;
  const first = sessionKey("blackhole-a");
  const second = sessionKey("blackhole-b");

  proxy.setBlackhole(true);
  const holeAt = Date.now();
  let noticedMs: number;
  try {
    // Sent at once: it usually goes out on the connection nobody knows is dead yet.
    const a = await pipeline.app.send(first, `into the black hole ${holeAt}`);
    // Sent once the probe is out (the connection is suspect): it must wait, not go onto that socket.
    await eventually(() => {
      if (!dead.requests.slice(seenBefore).includes("last-heartbeat")) throw new Error("no probe yet");
    }, NOTICE_WITHIN_MS);
    const b = await pipeline.app.send(second, `while suspect ${holeAt}`);

    const down = await eventually(
      async () => {
        const report = await status();
        if (report.gateway.connected !== false) throw new Error(`status still says ${JSON.stringify(report.gateway)}`);
        return report;
      },
      2 * NOTICE_WITHIN_MS,
      250,
    );
    noticedMs = Date.now() - holeAt;
    process.stderr.write(`[e2e] a black-holed Gateway connection showed as not connected in status after ${noticedMs} ms\n`);
    expect(noticedMs).toBeLessThan(NOTICE_WITHIN_MS);
    expect(down.problems).toContain("gateway not connected");
    // The relay let go of it (the official client terminates a socket whose close goes unanswered within 250 ms).
    await eventually(() => {
      if (!dead.closed) throw new Error("the dead connection is still open");
    }, 5_000);

    // Reconnect attempts meanwhile fall into the hole too; then it heals.
    await eventually(() => {
      if (!proxy.connections.some((c) => c.openedInBlackhole)) throw new Error("no reconnect attempt yet");
    }, 30_000);
    proxy.setBlackhole(false);

    await pipeline.waitForRelay(90_000);
    for (const [key, sent] of [
      [first, a],
      [second, b],
    ] as const) {
      const row = await eventually(async () => {
        const found = (await pipeline.app.allMessages(key)).find((r) => r.messageId === sent.messageId);
        if (found?.status !== "delivered") throw new Error(`not delivered yet: ${found?.status}`);
        return found;
      }, 60_000);
      const perConnection = proxy.requestsOn(`chat.send:${row.runId}`);
      // Never twice on one connection; the second was never put on the suspect one.
      expect(perConnection.every((c) => c.count === 1)).toBe(true);
      if (key === second) expect(perConnection.some((c) => c.id === dead.id)).toBe(false);
      await expectTranscriptMatchesConvex(pipeline, key, 60_000);
    }
    // The first message reaches the dead socket only if the relay picked it up before its own probe went out
    // (the probe is due 4 s after the last frame, which may be a moment after the hole opened): once at most.
    const onDead = dead.requests.filter((r) => r.startsWith("chat.send:"));
    process.stderr.write(`[e2e] chat.send requests put on the black-holed connection: ${onDead.length}\n`);
    expect(onDead.length).toBeLessThanOrEqual(1);
  } finally {
    proxy.setBlackhole(false);
  }
}, 240_000);
