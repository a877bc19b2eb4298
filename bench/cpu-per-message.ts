/** Measure 7: the relay's CPU time per relayed message, each direction, with and without the service's JIT flags. */
import { passAlongCpu } from "./pass-along.js";
import { withPeerRelay } from "./peer-phases.js";
import { cpuSeconds } from "./proc-stats.js";
import { relayNodeArgs } from "./relay-process.js";
import { appToGatewayStep, gatewayToAppStep, type StepResult } from "./throughput.js";
import { sleep, waitUntil } from "./timing.js";

/** The service's flags that turn V8's optimising compilers off (src/service/spec.ts): memory bought with CPU. */
export const JIT_OFF_FLAGS: readonly string[] = ["--no-opt", "--no-maglev"];

export interface DirectionCpu {
  messages: number;
  lost: number;
  /** Relay CPU (user + system) from the first message until the last one was relayed and settled, idle share taken off. */
  cpuMs: number;
  perMessageMs: number;
}

export interface CpuRun {
  nodeArgs: string[];
  appToGateway: DirectionCpu;
  gatewayToApp: DirectionCpu;
  /** VmRSS once caught up, and after both directions (MiB). */
  idleMiB: number;
  afterMiB: number;
  /** The relay's CPU while idle (probes, heartbeats), per second: taken off each direction for its duration. */
  idleCpuMsPerSecond: number;
  /** The baseline: CPU per message of a process that only parses one frame and sends one, same flags and pacing. */
  passAlongMs: number;
}

export interface CpuPlan {
  ratePerSecond: number;
  seconds: number;
}

/** /proc counts CPU in 10 ms ticks: a settle after the last message lets in-flight work (marks, acks) be counted. */
const SETTLE_MS = 1_000;
/** How long the idle relay is watched before the messages start. */
const IDLE_MS = 5_000;

/** The relay's CPU (ms) and the wall time (ms) `body` took. */
async function cpuOver(pid: number, body: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = cpuSeconds(pid);
  const started = Date.now();
  await body();
  return { cpuMs: (cpuSeconds(pid) - cpu) * 1000, wallMs: Date.now() - started };
}

function direction(step: StepResult, used: { cpuMs: number; wallMs: number }, idlePerSecond: number): DirectionCpu {
  const cpuMs = Math.max(0, used.cpuMs - (idlePerSecond * used.wallMs) / 1000);
  return { messages: step.sent, lost: step.lost, cpuMs, perMessageMs: cpuMs / Math.max(1, step.sent - step.lost) };
}

async function measureOne(nodeArgs: readonly string[], plan: CpuPlan): Promise<Omit<CpuRun, "passAlongMs">> {
  return withPeerRelay(
    "bench cpu",
    undefined,
    async (setup) => {
      const { relay, world } = setup;
      const idleMiB = relay.rssMiB();
      const idle = await cpuOver(relay.pid, () => sleep(IDLE_MS));
      const idleCpuMsPerSecond = (idle.cpuMs * 1000) / idle.wallMs;
      let up: StepResult | undefined;
      const upUsed = await cpuOver(relay.pid, async () => {
        up = await appToGatewayStep(setup, plan.ratePerSecond, plan.seconds, 10_000);
        // Delivered means marked in Convex too: the marks and the subscription updates they cause are part of the cost.
        await waitUntil("the outbox to drain", async () => (await world.queuedCount()) === 0, 10_000, 50).catch(() => undefined);
        await sleep(SETTLE_MS);
      });
      let down: StepResult | undefined;
      const downUsed = await cpuOver(relay.pid, async () => {
        down = await gatewayToAppStep(setup, plan.ratePerSecond, plan.seconds, 10_000);
        await sleep(SETTLE_MS);
      });
      return {
        nodeArgs: [...nodeArgs],
        appToGateway: direction(up!, upUsed, idleCpuMsPerSecond),
        gatewayToApp: direction(down!, downUsed, idleCpuMsPerSecond),
        idleMiB,
        afterMiB: relay.rssMiB(),
        idleCpuMsPerSecond,
      };
    },
    nodeArgs,
  );
}

/**
 * The service's flags first, then the same without the JIT flags, each with a fresh Convex, peer and relay, and
 * each followed by the pass-along baseline under the same flags. BENCH_CPU_ONE_FLAGSET=1 runs the service's only
 * (for back-to-back comparisons of two builds).
 */
export async function cpuPerMessage(log: (line: string) => void, plan: CpuPlan, env: NodeJS.ProcessEnv = process.env): Promise<CpuRun[]> {
  const service = relayNodeArgs(env);
  const withoutJitFlags = service.filter((flag) => !JIT_OFF_FLAGS.includes(flag));
  const runs: CpuRun[] = [];
  for (const nodeArgs of env.BENCH_CPU_ONE_FLAGSET ? [service] : [service, withoutJitFlags]) {
    const relayed = await measureOne(nodeArgs, plan);
    const run: CpuRun = { ...relayed, passAlongMs: await passAlongCpu(nodeArgs, plan.ratePerSecond, plan.ratePerSecond * plan.seconds) };
    log(
      `7 cpu [${nodeArgs.join(" ")}]: app→gateway ${run.appToGateway.perMessageMs.toFixed(3)} ms/msg (lost ${run.appToGateway.lost}), ` +
        `gateway→app ${run.gatewayToApp.perMessageMs.toFixed(3)} ms/msg (lost ${run.gatewayToApp.lost}), pass-along baseline ${run.passAlongMs.toFixed(3)} ms/msg, ` +
        `idle ${run.idleCpuMsPerSecond.toFixed(1)} ms CPU/s, RSS ${run.idleMiB.toFixed(1)} → ${run.afterMiB.toFixed(1)} MiB`,
    );
    runs.push(run);
  }
  return runs;
}
