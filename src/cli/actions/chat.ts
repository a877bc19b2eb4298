/** `chat`: opens the chat device (pairing first with --pair) and runs one message, a status check, or the interactive chat. */
import path from "node:path";
import { loadConfig } from "../../config/load.js";
import { MEDIA_DIR_NAME } from "../../chat/media-saver.js";
import { statePaths } from "../../config/paths.js";
import { ChatError } from "../../chat/chat-error.js";
import { chatOnce } from "../../chat/chat-once.js";
import { openChatLink, type ChatLink } from "../../chat/chat-link.js";
import { runChatRepl } from "../../chat/chat-repl.js";
import { ARGV_WARNING, readPairInput, STDIN_MARKER } from "../../chat/pair-input.js";
import { describeHealth } from "../../chat/relay-health.js";
import { canonicalSessionKey } from "../../chat/session-key.js";
import { sessionLines } from "../../chat/chat-views.js";
import { EXIT, UsageError, type CliContext } from "../context.js";
import { interruptSignal } from "../signals.js";
import { terminalJson, terminalText } from "../../terminal-text.js";

/** What `chat` reads from its command line (camelCased by yargs). */
export interface ChatOptions {
  message?: string | undefined;
  session?: string | undefined;
  pair?: string | undefined;
  pairFile?: string | undefined;
  convexUrl?: string | undefined;
  deviceName?: string | undefined;
  json: boolean;
  /** Seconds to wait for a final reply. */
  timeout: number;
  sessions: boolean;
  status: boolean;
  /** With --message: a file to send with it. */
  attach?: string | undefined;
  /** Where received media is saved (default: chat-media/ in the state dir). */
  mediaDir?: string | undefined;
}

/** How long each single Convex call (claim, status) may take before Convex counts as unreachable. */
const CONNECT_TIMEOUT_MS = 15_000;

async function relayConvexUrl(ctx: CliContext): Promise<string | undefined> {
  try {
    return (await loadConfig(ctx.env)).effective.convexUrl;
  } catch {
    return undefined;
  }
}

/**
 * The chat's terminal sinks: everything it prints can hold words from Convex or the Gateway (instance
 * and session names, previews, refusal reasons), so nothing reaches stdout/stderr unsanitized.
 */
function sanitizing(ctx: CliContext): CliContext {
  return { ...ctx, out: (line = "") => ctx.out(terminalText(line)), err: (line = "") => ctx.err(terminalText(line)) };
}

async function run(ctx: CliContext, link: ChatLink, args: ChatOptions, sessionKey: string, signal: AbortSignal): Promise<number> {
  const mediaDir = path.resolve(args.mediaDir ?? path.join(statePaths(ctx.env).dir, MEDIA_DIR_NAME));
  if (args.status) {
    const report = describeHealth(await link.status());
    if (args.json)
      ctx.out(
        terminalJson({
          ok: report.health === "ok",
          health: report.health,
          line: report.line,
          instanceName: link.device.instanceName,
        }),
      );
    else {
      ctx.out(report.line);
      if (report.hint) ctx.err(report.hint);
    }
    return report.health === "ok" ? EXIT.OK : EXIT.FAILURE;
  }
  if (args.sessions) {
    const sessions = await link.app.listSessions(50);
    if (args.json) ctx.out(terminalJson({ ok: true, sessions }));
    else for (const line of sessionLines(sessions, sessionKey)) ctx.out(line);
    return EXIT.OK;
  }
  if (args.message !== undefined) {
    if (args.message.trim().length === 0 && args.attach === undefined) throw new ChatError("BAD_PAYLOAD", "--message is empty");
    return chatOnce({
      link,
      sessionKey,
      message: args.message,
      ...(args.attach !== undefined ? { attach: args.attach } : {}),
      mediaDir,
      timeoutMs: args.timeout * 1000,
      json: args.json,
      live: ctx.stdout.isTTY === true,
      stdout: ctx.stdout,
      err: (line) => ctx.err(line),
      signal,
    });
  }
  // Paired; nothing to chat about without a terminal, or when standard input carried the payload.
  if ((args.pair !== undefined || args.pairFile !== undefined) && (ctx.stdin.isTTY !== true || args.pair === STDIN_MARKER)) return EXIT.OK;
  return runChatRepl({ link, sessionKey, input: ctx.stdin, output: ctx.stdout, timeoutMs: args.timeout * 1000, mediaDir, signal });
}

export async function chatAction(cli: CliContext, args: ChatOptions): Promise<number> {
  const ctx = sanitizing(cli);
  if ([args.message !== undefined, args.sessions, args.status].filter(Boolean).length > 1) {
    throw new UsageError("--message, --sessions and --status are alternatives: pass one of them");
  }
  if (args.attach !== undefined && args.message === undefined) throw new UsageError('--attach goes with --message (its caption; -m "" for none)');
  const paths = statePaths(ctx.env);
  const sessionKey = canonicalSessionKey(args.session);
  const interrupt = interruptSignal(ctx.deps.signal);
  let link: ChatLink | undefined;
  try {
    const convexUrl = args.convexUrl ?? (await relayConvexUrl(ctx));
    const pairing = await readPairInput({ ...(args.pair !== undefined ? { pair: args.pair } : {}), ...(args.pairFile !== undefined ? { pairFile: args.pairFile } : {}) }, ctx.stdin);
    // Warned, not refused: by now the token has been in the process table; claiming it at once uses the
    // one-time code up, while refusing would leave a code others may have read valid for minutes.
    if (pairing?.onCommandLine) ctx.err(ARGV_WARNING);
    link = await openChatLink({
      paths,
      ...(pairing ? { pair: pairing.payload } : {}),
      ...(convexUrl ? { convexUrl } : {}),
      ...(args.deviceName ? { deviceName: args.deviceName } : {}),
      timeoutMs: Math.min(CONNECT_TIMEOUT_MS, args.timeout * 1000),
      note: (line) => ctx.err(line),
    });
    return await run(ctx, link, args, sessionKey, interrupt.signal);
  } catch (error) {
    if (!(error instanceof ChatError)) throw error;
    if (args.json) ctx.out(terminalJson({ ok: false, code: error.code, error: error.message }));
    ctx.err(`fastclaw-relay chat: ${error.message}`);
    if (error.hint) ctx.err(error.hint);
    return EXIT.FAILURE;
  } finally {
    interrupt.dispose();
    await link?.close();
  }
}
