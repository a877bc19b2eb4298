/** Builds the table's rows, PASS/FAIL verdicts and notes from the raw results. */
import { BASELINE_PERIOD_MS } from "./baseline-poller.js";
import { JIT_OFF_FLAGS, type CpuRun } from "./cpu-per-message.js";
import type { GatewayPhases } from "./gateway-phases.js";
import type { MemoryResult } from "./memory.js";
import type { Cost, PeerLatency, Throughput } from "./peer-phases.js";
import { pct, pctRatio, steps, verdict, type Row } from "./report.js";
import type { SealResult } from "./seal-cost.js";
import type { StartupResult } from "./startup.js";
import { knee, type StepResult } from "./throughput.js";
import type { WebResult } from "./web.js";
import { webNote, webRows } from "./web-rows.js";

export interface Results {
  gateway: GatewayPhases;
  peerLatency: PeerLatency;
  throughput: Throughput;
  cost: Cost;
  memory: MemoryResult;
  cpu: CpuRun[];
  seal: SealResult;
  startup: { help: StartupResult; status: StartupResult };
  web: WebResult;
}

export const TARGETS = {
  latencyP99Ms: 50,
  throughput: 200,
  writesPerSecond: 5,
  idleMB: 80,
  growthMB: 10,
  helpMs: 300,
  webJsGzipKB: 150,
  webFirstRenderMs: 1000,
  webStreamP99Ms: 100,
  cpuPerMessageMs: 0.3,
  sealP99Ms: 1,
} as const;

/** The issue's memory targets are in MB (10^6 bytes); /proc reports KiB, shown here as MiB. */
const toMB = (mib: number) => (mib * 1024 * 1024) / 1e6;

const kneeText = (s: readonly StepResult[]) => {
  const k = knee(s);
  return k ? `${k.offered} msg/s` : "none";
};

/** "; runs +6.9 / +7.2 / +13.6 MiB" — every repeat's growth, so the median hides nothing. */
function runsText(m: MemoryResult): string {
  if (!m.runs || m.runs.length < 2) return "";
  return `; runs ${[...m.runs].sort((a, b) => a.growthMiB - b.growthMiB).map((r) => `${r.growthMiB >= 0 ? "+" : ""}${r.growthMiB.toFixed(1)}`).join(" / ")} MiB`;
}

export function buildRows(r: Partial<Results>): Row[] {
  const { gateway: g, peerLatency: p, throughput: t, cost: c, memory: m, startup: s } = r;
  const lossless = (x: readonly StepResult[]) => x.every((step) => step.lost === 0 && step.duplicates === 0);
  const kneeOk = (x: readonly StepResult[]) => (knee(x)?.offered ?? 0) >= TARGETS.throughput;
  const latencyRow = (id: string, measure: string, ours: PeerLatency["relay"], base: PeerLatency["baseline"]): Row => ({
    id,
    measure: `${measure}, p50 / p95 / p99 (n = ${ours.latency.n}${ours.lost ? `, lost ${ours.lost}` : ""})`,
    ours: pct(ours.latency),
    baseline: pct(base.latency),
    ratio: pctRatio(ours.latency, base.latency),
    target: `p99 ≤ ${TARGETS.latencyP99Ms} ms`,
    result: verdict(ours.latency.p99 <= TARGETS.latencyP99Ms && ours.lost === 0 && ours.duplicates === 0),
  });
  // In table order; a phase left out by --only has no rows.
  const rows: Row[] = [];
  if (g) {
    rows.push(
      latencyRow("1a", "App → Gateway added latency, real Gateway", g.latency.relay, g.latency.baseline),
    );
  }
  if (p) {
    rows.push(
      latencyRow("1b", "App → Gateway added latency, minimal peer", p.relay, p.baseline),
    );
  }
  if (g) {
    rows.push(
      {
        id: "2",
        measure: `Gateway → App, first delta → app shows text (n = ${g.stream.relay.firstText.n})`,
        ours: pct(g.stream.relay.firstText),
        baseline: pct(g.stream.baseline.firstText),
        ratio: pctRatio(g.stream.relay.firstText, g.stream.baseline.firstText),
        target: `p99 ≤ ${TARGETS.latencyP99Ms} ms`,
        result: verdict(g.stream.relay.firstText.p99 <= TARGETS.latencyP99Ms && g.stream.relay.missing === 0),
      },
      {
        id: "2",
        measure: `Gateway → App, final → app shows final (n = ${g.stream.relay.final.n})`,
        ours: pct(g.stream.relay.final),
        baseline: pct(g.stream.baseline.final),
        ratio: pctRatio(g.stream.relay.final, g.stream.baseline.final),
        target: `p99 ≤ ${TARGETS.latencyP99Ms} ms`,
        result: verdict(g.stream.relay.final.p99 <= TARGETS.latencyP99Ms && g.stream.relay.missing === 0),
      },
    );
  }
  if (t) {
    rows.push(
      {
        id: "3",
        measure: `Throughput App → Gateway, knee with 0 loss (offered→achieved: ${steps(t.appToGateway)})`,
        ours: kneeText(t.appToGateway),
        baseline: "—",
        ratio: "—",
        target: `≥ ${TARGETS.throughput} msg/s, 0 loss`,
        result: verdict(kneeOk(t.appToGateway) && lossless(t.appToGateway)),
      },
      {
        id: "3",
        measure: `Throughput Gateway → App, knee, exactly once (${steps(t.gatewayToApp)})`,
        ours: kneeText(t.gatewayToApp),
        baseline: "—",
        ratio: "—",
        target: `≥ ${TARGETS.throughput} msg/s, 0 loss`,
        result: verdict(kneeOk(t.gatewayToApp) && lossless(t.gatewayToApp)),
      },
    );
  }
  if (c) {
    rows.push(
      {
        id: "4",
        measure: `Convex writes per streamed reply (${c.coalesced.deltas} deltas in ${c.coalesced.replySeconds.toFixed(0)} s), coalesced (default 4/s)`,
        ours: `${c.coalesced.streamWrites} writes = ${c.coalesced.writesPerSecond.toFixed(2)}/s; ${c.coalesced.totalCalls} function calls`,
        baseline: "—",
        ratio: "—",
        target: `≤ ${TARGETS.writesPerSecond} writes/s`,
        result: verdict(c.coalesced.writesPerSecond <= TARGETS.writesPerSecond),
      },
      {
        id: "4",
        measure: "… same reply, one write per delta (`streamWritesPerSecond: 50`)",
        ours: `${c.perDelta.streamWrites} writes = ${c.perDelta.writesPerSecond.toFixed(2)}/s; ${c.perDelta.totalCalls} function calls`,
        baseline: "—",
        ratio: `coalesced ÷ per-delta calls: ${(c.coalesced.totalCalls / Math.max(1, c.perDelta.totalCalls)).toFixed(2)}`,
        target: "—",
        result: "info",
      },
    );
  }
  if (m) {
    rows.push(
      {
        id: "5",
        measure: "Relay RSS when idle (connected, caught up)",
        ours: `${toMB(m.idleMiB).toFixed(1)} MB = ${m.idleMiB.toFixed(1)} MiB (${m.idleSplit.anon.toFixed(1)} MiB anonymous)`,
        baseline: "—",
        ratio: "—",
        target: `≤ ${TARGETS.idleMB} MB`,
        result: verdict(toMB(m.idleMiB) <= TARGETS.idleMB),
      },
      {
        id: "5",
        measure: `Relay RSS growth after ${m.relayed.appToGateway + m.relayed.transcriptRows} relayed messages + ${m.relayed.deltas} stream deltas, median of ${m.runs?.length ?? 1} runs${runsText(m)} (peak ${m.peakMiB.toFixed(1)} MiB${m.lost ? `, lost ${m.lost}` : ""})`,
        ours: `${m.growthMiB >= 0 ? "+" : ""}${toMB(m.growthMiB).toFixed(1)} MB = ${m.growthMiB.toFixed(1)} MiB (to ${m.afterMiB.toFixed(1)} MiB)`,
        baseline: "—",
        ratio: "—",
        target: `≤ ${TARGETS.growthMB} MB`,
        result: verdict(toMB(m.growthMiB) <= TARGETS.growthMB && (m.runs ?? [m]).every((run) => run.lost === 0)),
      },
    );
  }
  if (r.cpu) rows.push(...r.cpu.map(cpuRow));
  if (r.seal) rows.push(...r.seal.samples.map((sample) => sealRow(r.seal!, sample)));
  if (s) {
    rows.push(
      {
        id: "6",
        measure: `\`fastclaw-relay --help\` cold start, median of ${s.help.runs.length}`,
        ours: `${s.help.median.toFixed(0)} ms`,
        baseline: "—",
        ratio: "—",
        target: `≤ ${TARGETS.helpMs} ms`,
        result: verdict(s.help.median <= TARGETS.helpMs),
      },
      {
        id: "6",
        measure: `\`fastclaw-relay status --json\` cold start, median of ${s.status.runs.length}`,
        ours: `${s.status.median.toFixed(0)} ms`,
        baseline: "—",
        ratio: "—",
        target: "—",
        result: "info",
      },
    );
  }
  if (r.web) rows.push(...webRows(r.web, TARGETS));
  return rows;
}

/** One flag set's CPU per message, both directions, against the target. */
function cpuRow(run: CpuRun): Row {
  const jitOff = JIT_OFF_FLAGS.every((flag) => run.nodeArgs.includes(flag));
  const lost = run.appToGateway.lost + run.gatewayToApp.lost;
  const ms = (d: CpuRun["appToGateway"]) => d.perMessageMs.toFixed(2);
  return {
    id: "7",
    measure:
      `Relay CPU per relayed message, App → Gateway / Gateway → App (n = ${run.appToGateway.messages} each), ` +
      `\`node ${run.nodeArgs.join(" ")}\`${jitOff ? " (the service's flags)" : " (optimising JITs on)"}; RSS ${run.idleMiB.toFixed(1)} → ${run.afterMiB.toFixed(1)} MiB${lost ? `, lost ${lost}` : ""}`,
    ours: `${ms(run.appToGateway)} / ${ms(run.gatewayToApp)} ms`,
    baseline: `${run.passAlongMs.toFixed(2)} ms (pass-along)`,
    ratio: `${(run.appToGateway.perMessageMs / run.passAlongMs).toFixed(1)} / ${(run.gatewayToApp.perMessageMs / run.passAlongMs).toFixed(1)}`,
    target: `≤ ${TARGETS.cpuPerMessageMs} ms each`,
    result: verdict(lost === 0 && Math.max(run.appToGateway.perMessageMs, run.gatewayToApp.perMessageMs) <= TARGETS.cpuPerMessageMs),
  };
}

/** Sealing one relayed write, against the JSON encoding every write gets anyway. */
function sealRow(run: SealResult, s: SealResult["samples"][number]): Row {
  const ms = (x: number) => x.toFixed(3);
  return {
    id: "8",
    measure: `End-to-end encryption per relayed message (a ${s.textBytes} B streaming write sealed), p50 / p99 (n = ${s.seal.n}), \`node ${run.nodeArgs.join(" ")}\`; baseline: its JSON encoding`,
    ours: `${ms(s.seal.p50)} / ${ms(s.seal.p99)} ms`,
    baseline: `${ms(s.json.p50)} / ${ms(s.json.p99)} ms`,
    ratio: `${(s.seal.p50 / Math.max(1e-6, s.json.p50)).toFixed(1)}× / ${(s.seal.p99 / Math.max(1e-6, s.json.p99)).toFixed(1)}×`,
    target: `p99 ≤ ${TARGETS.sealP99Ms} ms`,
    result: verdict(s.seal.p99 <= TARGETS.sealP99Ms),
  };
}

function refusals(g: GatewayPhases): string {
  const { relay, baseline } = g.refusals;
  if (relay + baseline === 0) return "";
  const first = JSON.stringify(g.refusals.errors[0] ?? {});
  return `The Gateway refused ${relay} of the relay's and ${baseline} of the baseline's chat.sends (e.g. ${first}); a refused send is not counted as arrived. `;
}

/** CPU time the relay spent per relayed message at a step, from its CPU share. */
const cpuPerMessage = (x: StepResult) => `${(((x.cpu.relay ?? 0) * 10) / Math.max(1, x.achieved)).toFixed(2)} ms`;

/** The worst event-loop delay of the bench process during the latency measures. */
function loopMax(r: Partial<Results>): string {
  const g = r.gateway;
  const p = r.peerLatency;
  const all = [...(g ? [g.latency.relay, g.latency.baseline, g.stream.relay, g.stream.baseline] : []), ...(p ? [p.relay, p.baseline] : [])];
  return Math.max(...all.map((x) => x.benchLoopDelay.max)).toFixed(0);
}

export function buildNotes(r: Partial<Results>): string[] {
  const last = (x: readonly StepResult[]) => x[x.length - 1];
  const cpu = (x: StepResult | undefined) =>
    x ? `relay ${x.cpu.relay}% / local Convex ${x.cpu.convex}% of a core at ${x.offered} msg/s offered (relay ≈ ${cpuPerMessage(x)} CPU per message)` : "n/a";
  const { gateway: g, throughput: t, memory: m } = r;
  const notes: Array<string | false | undefined> = [
    (g || r.peerLatency) && "Latencies are milliseconds. 1a/1b start at the message row's `createdAt` (set by `app:send` with `Date.now()` on this host, i.e. the commit) and end when the chat.send request reaches the Gateway side (the timestamping proxy in front of the real Gateway, or the peer itself); both clocks are the same host clock, at 1 ms resolution.",
    g && `1a: real OpenClaw Gateway ${g.gatewayVersion} with the stub model, ${g.latency.relay.sent} messages paced over ${g.sessions} sessions, the same schedule for both modes; the arrival counted is that of the request the Gateway accepted. The Gateway itself took ${pct(g.gatewayAckMs.relay)} (p50 / p95 / p99) to answer each chat.send during the relay's run (the relay marks a row delivered only then; not part of the figure). Rows afterwards: relay ${JSON.stringify(g.latency.relay.statuses)}, baseline ${JSON.stringify(g.latency.baseline.statuses)}. ${refusals(g)}1b: a minimal protocol peer that acks chat.send at once, so the figure is the relay's own path (Convex subscription push → outbox → chat.send).`,
    (g || r.peerLatency) && `Baseline: a ${BASELINE_PERIOD_MS / 1000} s poller in the bench (HTTP \`relay:pendingMessages\`, chat.send with the relay's own Gateway client, \`relay:markDelivered\`; replies written once, when final) stands in for the original skill; its expected wait is ~1 s.`,
    g && `2: ${g.stream.relay.replies} replies one after another in one session, timed at the proxy between the real Gateway and the relay, to the app's \`watchMessages\` callback (p99 of 20 samples is their maximum). The Gateway sends the run's assistant transcript row (\`session.message\`) before the \`final\` chat event; the relay marks the reply final from whichever comes first, so “final” starts at the first of the two (the app can otherwise see the final before the \`final\` event). All timestamps are taken in the bench process; its event loop ran at most ${loopMax(r)} ms late during 1a/1b/2.`,
    t && `3: fresh local Convex + relay per step, 3 s per step, 8 sessions; knee = highest offered rate carried in full (≥ 95 %, 0 lost, 0 doubled). At the last step: App → Gateway ${cpu(last(t.appToGateway))}; Gateway → App ${cpu(last(t.gatewayToApp))}. The local Convex server (the real \`convex/\` functions on convex-test, in one Node process, re-running every subscription after every write) saturates first: the knee measures it, not the relay.`,
    r.cost && "4: a 20 s reply from the peer as chat delta events, with the app watching the session; counts from the local Convex server's `stats()` (every execution: the writes, plus the subscribed queries each write re-runs; the local server re-runs every subscription after every write, here the relay's `pendingMessages` and `abortRequests` and the app's `listMessages`, where hosted Convex re-runs only queries whose read range changed).",
    m && `5: VmRSS of the \`fastclaw-relay run\` process (median of 5 readings, 5 s after going quiet); the phase runs ${m.runs?.length ?? 1} times, each with a fresh relay and Convex, and the figures are those of the run with the median growth. Idle it was ${m.idleSplit.anon.toFixed(1)} MiB anonymous (the relay's own: heap, stacks, malloc) + ${m.idleSplit.file.toFixed(1)} MiB file-backed (almost all pages of the node binary, shared with other processes running it). Through the peer in ${m.relayedSeconds.toFixed(0)} s (the relay used ${m.relayCpuSeconds.toFixed(1)} s of CPU): ${m.relayed.appToGateway} app messages delivered to the Gateway and ${m.relayed.transcriptRows} Gateway transcript messages ingested into Convex (each a message row), plus ${m.relayed.deltas} chat deltas of ${m.relayed.replies} streamed replies on top (checked complete in Convex).`,
    r.cpu?.[0] && `7: a fresh local Convex, peer and relay per flag set, one after the other in the same run: ${r.cpu[0].appToGateway.messages} app messages over 8 sessions (counted until each is marked delivered in Convex), then ${r.cpu[0].gatewayToApp.messages} Gateway transcript messages (until each is a Convex row), both paced; the relay's user + system CPU from /proc (10 ms ticks) over each, less its idle CPU (probes, heartbeats: ${r.cpu.map((run) => run.idleCpuMsPerSecond.toFixed(1)).join(" / ")} ms per second, measured for 5 s before) over the same time, divided by the messages relayed. Baseline (pass-along): a child node under the same flags that only parses one JSON frame and sends one back per message, at the same pace, its CPU (idle share taken off) divided by the frames: the least any process that passes a message on over a WebSocket spends. The relay handles at least five frames per App → Gateway message (the queue update, chat.send, its ack, the delivered mark, Convex's answer) and three per Gateway → App message.`,
    r.startup && "6: wall time from spawn to exit of `node bin/fastclaw-relay.js …` with a throwaway HOME and FASTCLAW_STATE_DIR, Node's own start-up included.",
  ];
  if (r.web) notes.push(webNote(r.web));
  return notes.filter((note): note is string => typeof note === "string");
}
