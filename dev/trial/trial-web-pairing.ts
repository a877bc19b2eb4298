/** The trial's second pairing code, for the web app: its link and QR printed next to the terminal chat. */
import { terminalQr } from "../../src/pairing/qr.js";
import { spawnChild, type TrialChild } from "./child-process.js";

export interface WebPairingOptions {
  /** `[node, bin/fastclaw-relay.js]`. */
  relayCommand: readonly [string, ...string[]];
  env: NodeJS.ProcessEnv;
  convexUrl: string;
  /** How long `pair` may take to show its code. */
  timeoutMs: number;
  note: (line: string) => void;
  /** Where the QR code goes (the trial's stderr: stdout is the chat's). */
  write: (text: string) => void;
  track: (child: TrialChild) => void;
}

interface PairingEvent {
  event: string;
  webUrl?: string | null;
  webNote?: string;
}

function parseEvent(line: string): PairingEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && typeof (value as PairingEvent).event === "string" ? (value as PairingEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fastclaw-relay pair --json` in the background and prints the web app's link once it has one. It keeps
 * waiting for a browser to claim the code (5 minutes) and says what happened; the trial stops it on exit.
 * Never fails the trial: the terminal chat works without it.
 */
export async function offerWebPairing(options: WebPairingOptions): Promise<void> {
  const [command, ...base] = options.relayCommand;
  let shown: (event: PairingEvent) => void = () => undefined;
  const pairing = new Promise<PairingEvent>((resolve) => (shown = resolve));
  const pair = spawnChild("web pair", command, [...base, "pair", "--json", "--convex-url", options.convexUrl, "--name", "FastClaw trial"], {
    env: options.env,
    onStdoutLine: (line) => {
      const event = parseEvent(line);
      if (event?.event === "pairing") shown(event);
      // No device name: it is chosen by whoever claims, and this is a terminal.
      else if (event?.event === "claimed") options.note("A browser paired with the trial through the web app.");
      else if (event?.event === "expired") options.note("The web app's pairing code expired (5 minutes); restart the trial for a new one.");
    },
  });
  options.track(pair);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    pairing,
    pair.exited.then((code) => `exited (${code})`),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no code within ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs))),
  ]);
  clearTimeout(timer);
  if (typeof outcome === "string") {
    options.note(`No web app link: \`fastclaw-relay pair --json\` ${outcome}:\n${pair.tail(5)}`);
    await pair.stop(3_000);
    return;
  }
  if (!outcome.webUrl) {
    options.note(`No web app link: ${outcome.webNote ?? "the deployment reports none"}.`);
    await pair.stop(3_000);
    return;
  }
  options.write(await terminalQr(outcome.webUrl));
  options.note(
    `Web app (pid ${pair.child.pid ?? "?"} waits for it): open ${outcome.webUrl} in a browser on this machine ` +
      "(the local Convex server listens on loopback only, so a phone cannot reach it; with a cloud deployment the QR above is what a phone scans). " +
      "The link pairs one browser and is valid for 5 minutes.",
  );
}
