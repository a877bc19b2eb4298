/** The interactive chat: a prompt, replies streaming in, sessions, and live notices when the relay or Gateway goes down. */
import { randomBytes } from "node:crypto";
import readline from "node:readline";
import { ask } from "./ask.js";
import type { ChatLink } from "./chat-link.js";
import { agentCommand } from "./agent-commands.js";
import { AGENT_HELP_LINES } from "./agent-views.js";
import { historyLines, HELP_LINES, sessionLines } from "./chat-views.js";
import { describeHealth, type RelayHealth } from "./relay-health.js";
import { StreamPrinter, type TextSink } from "./stream-printer.js";
import { canonicalSessionKey } from "./session-key.js";
import { parseAttachCommand, uploadAttachment } from "./attach-file.js";
import { saveMessageMedia } from "./media-saver.js";
import { terminalLine, terminalText } from "../terminal-text.js";
import type { AttachmentInput } from "../app-client/client-files.js";

export interface ChatReplOptions {
  link: ChatLink;
  sessionKey: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: TextSink & { isTTY?: boolean };
  /** How long one message may wait for its final reply. */
  timeoutMs: number;
  /** Where media that comes with replies is saved (a private directory; none: not looked for). */
  mediaDir?: string;
  /** Ends the chat from outside (e.g. the trial shutting down). */
  signal?: AbortSignal;
}

function isWritable(sink: TextSink): sink is TextSink & NodeJS.WritableStream {
  return typeof (sink as { on?: unknown }).on === "function";
}


/** Runs until /quit, end of input, Ctrl-C at the prompt, or `signal`; resolves to the exit code. */
export function runChatRepl(options: ChatReplOptions): Promise<number> {
  const { link, output } = options;
  // Every line here may carry Convex's or the Gateway's words (names, errors, status): sanitized at this one sink.
  const say = (line = "") => void output.write(`${terminalText(line)}\n`);
  let sessionKey = options.sessionKey;
  // Line editing and a prompt only on a real terminal; a pipe gets plain lines.
  const screen = options.input.isTTY === true && output.isTTY === true && isWritable(output) ? output : undefined;
  const terminal = screen !== undefined;
  const rl = readline.createInterface({ input: options.input, ...(screen ? { output: screen } : {}), terminal });
  rl.setPrompt("you> ");
  const queue: string[] = [];
  let busy = false;
  let quit = false;
  let inputEnded = false;
  let streamingId: string | undefined;
  let turn: AbortController | undefined;
  let lastHealth: RelayHealth | undefined;
  let prompted = false;
  /** A line that arrives on its own (status changes): on a terminal, above the prompt and what is typed. */
  const notice = (line: string) => {
    if (!terminal || !prompted) return say(line);
    output.write("\r\x1b[K");
    say(line);
    rl.prompt(true);
  };
  const prompt = () => {
    prompted = true;
    rl.prompt();
  };

  return new Promise<number>((resolve) => {
    // Through the app client: the status's Gateway error is sealed in Convex and opened there.
    const stopStatus = link.app.watchStatus(
      (status) => {
        const report = describeHealth(status);
        if (report.health !== lastHealth) {
          if (lastHealth !== undefined || report.health !== "ok") notice(`[status] ${report.line}${report.hint ? ` ${report.hint}` : ""}`);
          lastHealth = report.health;
        }
      },
      (error) => notice(`[status] cannot read the relay's status: ${terminalLine(error.message.split("\n")[0] ?? "")}`),
    );
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      stopStatus();
      options.signal?.removeEventListener("abort", onSignal);
      turn?.abort();
      rl.close();
      resolve(code);
    };
    const onSignal = () => finish(0);
    options.signal?.addEventListener("abort", onSignal, { once: true });

    const abortReply = async () => {
      if (!streamingId) return say("[abort] nothing is streaming");
      say("\n[abort] asking the relay to stop the reply …");
      await link.app.requestAbort(streamingId).catch((error: unknown) => say(`[abort] failed: ${terminalLine(error instanceof Error ? error.message : String(error))}`));
    };

    const command = async (line: string): Promise<void> => {
      const [name, ...rest] = line.slice(1).split(/\s+/);
      const arg = rest.join(" ").trim();
      switch (name) {
        case "help":
          return [...HELP_LINES.slice(0, -1), ...AGENT_HELP_LINES, ...HELP_LINES.slice(-1)].forEach((l) => say(l));
        case "quit":
        case "exit":
          quit = true;
          return;
        case "sessions":
          return sessionLines(await link.app.listSessions(50), sessionKey).forEach((l) => say(l));
        case "new":
          sessionKey = canonicalSessionKey(arg || `chat-${randomBytes(3).toString("hex")}`);
          return say(`[session] ${sessionKey}`);
        case "session":
          if (!arg) return say(`[session] ${sessionKey}`);
          sessionKey = canonicalSessionKey(arg);
          say(`[session] ${sessionKey}`);
          return historyLines(await link.app.listMessages(sessionKey, 10)).forEach((l) => say(l));
        case "history":
          return historyLines(await link.app.listMessages(sessionKey, 10)).forEach((l) => say(l));
        case "status": {
          const report = describeHealth(await link.status());
          say(`[status] ${report.line}`);
          if (report.hint) say(`[status] ${report.hint}`);
          return;
        }
        case "abort":
          return abortReply();
        case "attach": {
          const parsed = parseAttachCommand(arg);
          if (!parsed) return say("usage: /attach PATH [caption…] (quote a PATH with spaces)");
          const attachment = await uploadAttachment(link.app, sessionKey, parsed.path);
          return send(parsed.caption, [attachment]);
        }
        case "agent":
        case "health":
        case "skills":
        case "cron":
          return (await agentCommand(link, name, arg)).forEach((l) => say(l));
        default:
          return say(`unknown command /${name ?? ""}; /help lists them`);
      }
    };

    const send = async (text: string, attachments: AttachmentInput[] = []): Promise<void> => {
      const printer = new StreamPrinter(output, true, "agent> ");
      turn = new AbortController();
      const result = await ask(link.app, link.device.deviceToken, {
        sessionKey,
        text,
        attachments,
        timeoutMs: options.timeoutMs,
        signal: turn.signal,
        onProgress: (state) => {
          streamingId = state.phase === "streaming" ? state.reply?.messageId : undefined;
          if (state.phase === "queued" && lastHealth && lastHealth !== "ok") say("[queued] waiting for the relay …");
          printer.update(state.text);
        },
      });
      streamingId = undefined;
      const { state } = result;
      if (state.text) printer.finish(state.text);
      if (result.interrupted) return;
      if (result.timedOut) return say(`[timeout] no final reply within ${Math.round(options.timeoutMs / 1000)} s (${state.phase}); it may still arrive: /history`);
      if (!state.ok) return say(`[${state.phase}] ${terminalLine(state.error ?? "")}`.trimEnd());
      if (state.reply && options.mediaDir !== undefined) (await saveMessageMedia(link.app, sessionKey, state.reply.messageId, options.mediaDir)).forEach((l) => say(terminalLine(l)));
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !finished && !quit) {
        const line = queue.shift()!;
        try {
          if (line.startsWith("/")) await command(line);
          else await send(line);
        } catch (error) {
          say(`[error] ${terminalLine(error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error))}`);
        }
      }
      busy = false;
      if (quit || inputEnded) finish(0);
      else if (!finished) prompt();
    };

    rl.on("line", (raw) => {
      prompted = false;
      const line = raw.trim();
      // While a reply streams, /abort acts at once; anything else waits its turn.
      if (busy && line === "/abort") return void abortReply();
      if (line.length > 0) queue.push(line);
      void pump();
    });
    rl.on("SIGINT", () => {
      if (streamingId) void abortReply();
      else if (busy) turn?.abort();
      else finish(0);
    });
    // End of input (Ctrl-D, or a pipe that ran dry): finish what was typed, then leave.
    rl.on("close", () => {
      inputEnded = true;
      if (!busy) finish(0);
    });

    say(`Chatting with "${terminalLine(link.device.instanceName)}" in session ${sessionKey} (${link.device.convexUrl}). /help for commands.`);
    void link
      .status()
      .then((status) => {
        const report = describeHealth(status);
        say(`[status] ${report.line}`);
        if (report.hint) say(`[status] ${report.hint}`);
        lastHealth = report.health;
      })
      .catch((error: unknown) => say(`[status] ${terminalLine(error instanceof Error ? error.message : String(error))}`))
      .finally(() => {
        if (!finished && !inputEnded && !busy) prompt();
      });
  });
}
