/** Pairs the trial's chat client through the real flow: `fastclaw-relay pair --json` makes the code, the chat claims it. */
import { RelayError } from "../../src/relay-error.js";
import type { StatePaths } from "../../src/config/paths.js";
import { ChatError } from "../../src/chat/chat-error.js";
import { openChatLink, type ChatLink } from "../../src/chat/chat-link.js";
import { parsePairingPayload } from "../../src/chat/pair-payload.js";
import { spawnChild, type TrialChild } from "./child-process.js";

export interface TrialPairingOptions {
  /** `[node, bin/fastclaw-relay.js]`. */
  relayCommand: readonly [string, ...string[]];
  env: NodeJS.ProcessEnv;
  convexUrl: string;
  paths: StatePaths;
  timeoutMs: number;
  note: (line: string) => void;
  /** Registers the pair process so an interrupt stops it too. */
  track: (child: TrialChild) => void;
}

export class TrialStepError extends RelayError<"TRIAL_STEP_FAILED"> {
  override readonly name = "TrialStepError";
  constructor(message: string) {
    super("TRIAL_STEP_FAILED", message);
  }
}

/** The first stdout line of `pair --json` that holds a pairing payload. */
function waitForPayload(pair: TrialChild, lines: string[], timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = setInterval(() => {
      for (const line of lines.splice(0)) {
        try {
          parsePairingPayload(line);
          finish(() => resolve(line));
          return;
        } catch {
          // not the line with the code (progress events, registration, …)
        }
      }
    }, 50);
    const finish = (then: () => void) => {
      clearInterval(check);
      clearTimeout(timer);
      then();
    };
    timer = setTimeout(
      () => finish(() => reject(new TrialStepError(`\`fastclaw-relay pair --json\` printed no pairing link within ${Math.round(timeoutMs / 1000)} s:\n${pair.tail()}`))),
      timeoutMs,
    );
    void pair.exited.then((code) => {
      // Give the interval one more look at lines printed just before the exit.
      setTimeout(() => finish(() => reject(new TrialStepError(`\`fastclaw-relay pair --json\` exited (${code}) without a pairing link:\n${pair.tail()}`))), 100);
    });
  });
}

export async function pairTrialChat(options: TrialPairingOptions): Promise<ChatLink> {
  const [command, ...base] = options.relayCommand;
  const lines: string[] = [];
  const pair = spawnChild("pair", command, [...base, "pair", "--json", "--convex-url", options.convexUrl, "--name", "FastClaw trial"], {
    env: options.env,
    onStdoutLine: (line) => lines.push(line),
  });
  options.track(pair);
  options.note("Pairing: `fastclaw-relay pair --json` made a one-time code; the chat client claims it as the phone would …");
  try {
    const payload = await waitForPayload(pair, lines, options.timeoutMs);
    const link = await openChatLink({ paths: options.paths, pair: payload, timeoutMs: options.timeoutMs, note: options.note }).catch((error: unknown) => {
      const message = error instanceof ChatError ? `${error.message}${error.hint ? ` (${error.hint})` : ""}` : String(error);
      throw new TrialStepError(`the chat client could not claim the pairing code: ${message}`);
    });
    // `pair` sees the claim and exits by itself; don't leave it behind if it doesn't.
    const code = await Promise.race([pair.exited, new Promise<"waiting">((resolve) => setTimeout(() => resolve("waiting"), 15_000))]);
    if (code === "waiting") {
      options.note("`fastclaw-relay pair` did not exit after the claim; stopping it.");
      await pair.stop();
    } else if (code !== 0) {
      options.note(`\`fastclaw-relay pair\` exited with ${code} after the claim:\n${pair.tail(5)}`);
    }
    return link;
  } finally {
    await pair.stop(3_000);
  }
}
