/** An AbortSignal fired by SIGTERM/SIGINT (or an injected signal), for commands that run until told to stop. */

export interface Interrupt {
  signal: AbortSignal;
  /** Which process signal fired it, if one did. */
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

export function interruptSignal(extra?: AbortSignal, onSecond?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      onSecond?.(signal);
      return;
    }
    received = signal;
    controller.abort();
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  const onExtra = (): void => controller.abort();
  if (extra?.aborted) controller.abort();
  else extra?.addEventListener("abort", onExtra, { once: true });
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
      extra?.removeEventListener("abort", onExtra);
    },
  };
}
