/** The local trial: local Convex, a Gateway (yours or a trial one), the relay, and the chat client paired through the real flow. */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { statePaths } from "../../src/config/paths.js";
import { errorLines } from "../../src/cli/report-error.js";
import { RelayError } from "../../src/relay-error.js";
import { chatOnce } from "../../src/chat/chat-once.js";
import type { ChatLink } from "../../src/chat/chat-link.js";
import { runChatRepl } from "../../src/chat/chat-repl.js";
import { describeHealth } from "../../src/chat/relay-health.js";
import type { TextSink } from "../../src/chat/stream-printer.js";
import { spawnLocalConvex, type LocalConvexProcess } from "../devkit/local-convex-process.js";
import { spawnChild, type TrialChild } from "./child-process.js";
import { chooseGateway, type TrialGateway } from "./gateway-choice.js";
import { startTrialGateway } from "./local-trial-gateway.js";
import type { TrialArgs } from "./trial-args.js";
import { trialRelayEnv } from "./trial-env.js";
import { pairTrialChat, TrialStepError } from "./trial-pairing.js";
import { offerWebPairing } from "./trial-web-pairing.js";

export interface TrialDeps {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TextSink & { isTTY?: boolean };
  stderr: TextSink;
  /** `[node, <package>/bin/fastclaw-relay.js]`. */
  relayCommand: readonly [string, ...string[]];
  /** Aborted by Ctrl-C / SIGTERM: stop everything and return. */
  signal: AbortSignal;
  /** SIGKILLs for everything started that is still running: the last resort if this process dies. */
  killers: Set<() => void>;
  startGateway?: (stateDir: string, log: (line: string) => void) => Promise<TrialGateway>;
  startConvex?: () => Promise<LocalConvexProcess>;
  /** How long the relay may take to show up online (default 90 s). */
  relayReadyMs?: number;
}

const RELAY_READY_MS = 90_000;
/** The trial's own session: a person's running Gateway keeps its main session untouched. */
export const TRIAL_SESSION = "agent:main:fastclaw-trial";
const PAIR_TIMEOUT_MS = 60_000;

class Interrupted extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Until the app sees the relay online and connected to its Gateway; fails fast if the relay exits. */
async function waitForRelay(link: ChatLink, relay: TrialChild, signal: AbortSignal, readyMs: number): Promise<void> {
  const deadline = Date.now() + readyMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (signal.aborted) throw new Interrupted();
    if (!relay.running()) throw new TrialStepError(`the relay exited (${await relay.exited}) before it was ready:\n${relay.tail()}`);
    const report = await link.status().then(describeHealth, (error: unknown) => ({ health: "error", line: String(error) }) as const);
    if (report.health === "ok") return;
    last = report.line;
    await sleep(500);
  }
  throw new TrialStepError(`the relay was not ready within ${Math.round(readyMs / 1000)} s (${last}):\n${relay.tail()}`);
}

export async function runTrial(args: TrialArgs, deps: TrialDeps): Promise<number> {
  const note = (line: string) => void deps.stderr.write(`[trial] ${line}\n`);
  const trialDir = args.stateDir ? path.resolve(args.stateDir) : await mkdtemp(path.join(os.tmpdir(), "fastclaw-trial-"));
  const relayStateDir = path.join(trialDir, "relay");
  await mkdir(relayStateDir, { recursive: true, mode: 0o700 });
  note(`State: ${relayStateDir} (the trial's own; your ~/.openclaw/fastclaw is not touched).`);
  const cleanups: Array<() => Promise<void>> = [];
  const track = (child: TrialChild) => {
    deps.killers.add(() => child.running() && child.child.kill("SIGKILL"));
    cleanups.push(() => child.stop());
  };
  let ok = false;
  let code = 1;
  try {
    const convex = await (deps.startConvex ?? (() => spawnLocalConvex()))();
    deps.killers.add(() => convex.child.exitCode === null && convex.child.signalCode === null && convex.child.kill("SIGKILL"));
    cleanups.push(() => convex.stop());
    note(`Local Convex server: ${convex.url}, its site (the web app) ${convex.siteUrl} (in memory; gone when the trial ends).`);
    if (deps.signal.aborted) throw new Interrupted();

    const gateway = await chooseGateway(args.gateway, trialDir, {
      env: deps.env,
      note,
      startLocal: (dir) => (deps.startGateway ?? startTrialGateway)(dir, () => undefined),
    });
    deps.killers.add(() => gateway.kill());
    cleanups.push(() => gateway.stop());
    note(gateway.description);
    if (deps.signal.aborted) throw new Interrupted();

    const env = trialRelayEnv(deps.env, relayStateDir, gateway);
    const paths = statePaths(env);
    const link = await pairTrialChat({ relayCommand: deps.relayCommand, env, convexUrl: convex.url, paths, timeoutMs: PAIR_TIMEOUT_MS, note, track });
    cleanups.push(() => link.close());
    if (deps.signal.aborted) throw new Interrupted();

    const [command, ...base] = deps.relayCommand;
    const relay = spawnChild("relay", command, [...base, "run", "--no-log-stdout"], { env });
    track(relay);
    note(`Relay: \`fastclaw-relay run\` (pid ${relay.child.pid ?? "?"}), log ${path.join(paths.logsDir, "relay.log")}.`);
    await waitForRelay(link, relay, deps.signal, deps.relayReadyMs ?? RELAY_READY_MS);
    note("Everything is up. Ctrl-C stops it all.");

    if (args.message !== undefined) {
      code = await chatOnce({
        link,
        sessionKey: TRIAL_SESSION,
        message: args.message,
        timeoutMs: args.timeoutSeconds * 1000,
        json: false,
        live: deps.stdout.isTTY === true,
        stdout: deps.stdout,
        err: note,
        signal: deps.signal,
      });
    } else {
      await offerWebPairing({
        relayCommand: deps.relayCommand,
        env,
        convexUrl: convex.url,
        timeoutMs: PAIR_TIMEOUT_MS,
        note,
        write: (text) => void deps.stderr.write(text),
        track,
      });
      if (deps.signal.aborted) throw new Interrupted();
      code = await runChatRepl({ link, sessionKey: TRIAL_SESSION, input: deps.stdin, output: deps.stdout, timeoutMs: args.timeoutSeconds * 1000, signal: deps.signal });
    }
    if (deps.signal.aborted) {
      note("Interrupted.");
      return 130;
    }
    ok = code === 0;
    return code;
  } catch (error) {
    if (error instanceof Interrupted || deps.signal.aborted) {
      note("Interrupted.");
      return 130;
    }
    // A RelayError (a trial step, the Gateway choice, the chat client) says what and what to do; anything else is a bug: its stack.
    if (error instanceof RelayError) note(`failed: ${errorLines(error).join("\n")}`);
    else note(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    note("Stopping everything the trial started …");
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => note(`cleanup: ${String(error)}`));
    if (ok && !args.keep && !args.stateDir) {
      await rm(trialDir, { recursive: true, force: true });
    } else {
      note(`Trial files kept in ${trialDir}.`);
    }
    note("Stopped.");
  }
}
