/** Measure 7: the relay's CPU time per relayed message, each direction, with and without the service's JIT flags. */
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
  /** Relay CPU (user + system) from the first message until the last one was relayed and settled. */
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
}

export interface CpuPlan {
  ratePerSecond: number;
  seconds: number;
}

/** /proc counts CPU in 10 ms ticks: a settle after the last message lets in-flight work (marks, acks) be counted. */
const SETTLE_MS = 1_000;

function direction(step: StepResult, cpuMs: number): DirectionCpu {
  return { messages: step.sent, lost: step.lost, cpuMs, perMessageMs: cpuMs / Math.max(1, step.sent - step.lost) };
}

async function measureOne(nodeArgs: readonly string[], plan: CpuPlan): Promise<CpuRun> {
  return withPeerRelay(
    "bench cpu",
    undefined,
    async (setup) => {
      const { relay, world } = setup;
      const idleMiB = relay.rssMiB();
      let before = cpuSeconds(relay.pid);
      const up = await appToGatewayStep(setup, plan.ratePerSecond, plan.seconds, 10_000);
      // Delivered means marked in Convex too: the marks and the subscription updates they cause are part of the cost.
      await waitUntil("the outbox to drain", async () => (await world.queuedCount()) === 0, 10_000, 50).catch(() => undefined);
      await sleep(SETTLE_MS);
      const appToGateway = direction(up, (cpuSeconds(relay.pid) - before) * 1000);
      before = cpuSeconds(relay.pid);
      const down = await gatewayToAppStep(setup, plan.ratePerSecond, plan.seconds, 10_000);
      await sleep(SETTLE_MS);
      const gatewayToApp = direction(down, (cpuSeconds(relay.pid) - before) * 1000);
      return { nodeArgs: [...nodeArgs], appToGateway, gatewayToApp, idleMiB, afterMiB: relay.rssMiB() };
    },
    nodeArgs,
  );
}

/** The service's flags first, then the same without the JIT flags, each with a fresh Convex, peer and relay. */
export async function cpuPerMessage(log: (line: string) => void, plan: CpuPlan): Promise<CpuRun[]> {
  const service = relayNodeArgs();
  const withoutJitFlags = service.filter((flag) => !JIT_OFF_FLAGS.includes(flag));
  const runs: CpuRun[] = [];
  for (const nodeArgs of [service, withoutJitFlags]) {
    const run = await measureOne(nodeArgs, plan);
    log(
      `7 cpu [${nodeArgs.join(" ")}]: app→gateway ${run.appToGateway.perMessageMs.toFixed(3)} ms/msg (lost ${run.appToGateway.lost}), ` +
        `gateway→app ${run.gatewayToApp.perMessageMs.toFixed(3)} ms/msg (lost ${run.gatewayToApp.lost}), RSS ${run.idleMiB.toFixed(1)} → ${run.afterMiB.toFixed(1)} MiB`,
    );
    runs.push(run);
  }
  return runs;
}
