/** `chat --message`: send one message, print the reply, and say with the exit code how it went. */
import { ChatError, withTimeout } from "./chat-error.js";
import { deviceError } from "./convex-errors.js";
import type { ChatLink } from "./chat-link.js";
import { ask, type AskResult } from "./ask.js";
import { describeHealth, type HealthReport } from "./relay-health.js";
import type { ReplyState } from "./reply-tracker.js";
import { StreamPrinter, type TextSink } from "./stream-printer.js";
import { uploadAttachment } from "./attach-file.js";
import { saveMessageMedia } from "./media-saver.js";
import { terminalJson, terminalLine } from "../terminal-text.js";

export interface ChatOnceOptions {
  link: ChatLink;
  sessionKey: string;
  message: string;
  /** A file to send with the message (checked against `files.policy` first: a refusal sends nothing). */
  attach?: string;
  /** Where media that comes with the reply is saved (none: not looked for). */
  mediaDir?: string;
  timeoutMs: number;
  json: boolean;
  /** Stream the reply as it comes (stdout is a terminal); otherwise print it once, final. */
  live: boolean;
  stdout: TextSink;
  err: (line: string) => void;
  signal?: AbortSignal;
}

export interface ChatOnceJson {
  ok: boolean;
  sessionKey: string;
  messageId?: string;
  phase: ReplyState["phase"] | "timeout" | "interrupted";
  reply?: string;
  /** One line per file of the reply: where it was saved, or why not. */
  media?: string[];
  error?: string;
  relay?: { health: HealthReport["health"]; line: string };
}

const WAITING: Partial<Record<ReplyState["phase"], string>> = {
  sending: "the message did not show up in Convex",
  queued: "the relay has not picked the message up",
  delivered: "the Gateway has the message, but no reply came",
  streaming: "the reply was still streaming",
};

async function healthNow(link: ChatLink): Promise<HealthReport | undefined> {
  return link.status().then(describeHealth, () => undefined);
}

function failureText(result: AskResult, seconds: number): string {
  if (result.interrupted) return "interrupted before the reply was complete";
  if (result.timedOut) return `no final reply within ${seconds} s: ${WAITING[result.state.phase] ?? result.state.phase}`;
  const { state } = result;
  const why = (fallback: string) => terminalLine(state.error ?? fallback);
  if (state.phase === "failed") return `the message was not delivered: ${why("refused")}`;
  if (state.phase === "expired") return `the message expired before the relay could deliver it: ${why("too old")}`;
  if (state.phase === "aborted") return "the reply was aborted";
  return `the agent's reply failed: ${why("error")}`;
}

export async function chatOnce(options: ChatOnceOptions): Promise<number> {
  const { link } = options;
  const before = describeHealth(await link.status());
  if (before.health !== "ok" && !options.json) {
    options.err(`fastclaw-relay chat: ${before.line}`);
    if (before.hint) options.err(before.hint);
  }
  const attachments = options.attach === undefined ? [] : [await uploadAttachment(link.app, options.sessionKey, options.attach)];
  const printer = new StreamPrinter(options.stdout, options.live && !options.json);
  const result = await ask(link.app, link.device.deviceToken, {
    sessionKey: options.sessionKey,
    text: options.message,
    attachments,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (state) => printer.update(state.text),
  }).catch((error: unknown) => {
    const mapped = deviceError(error, link.deviceFile);
    throw mapped instanceof ChatError ? mapped : new ChatError("UNREACHABLE", `talking to Convex failed: ${error instanceof Error ? error.message : String(error)}`);
  });
  const seconds = Math.round(options.timeoutMs / 1000);
  const { state } = result;
  const ok = state.ok && !result.timedOut && !result.interrupted;
  const media = ok && state.reply && options.mediaDir !== undefined ? await saveMessageMedia(link.app, options.sessionKey, state.reply.messageId, options.mediaDir) : [];
  const after = ok ? before : ((await withTimeout(healthNow(link), 5_000, "status").catch(() => undefined)) ?? before);
  if (options.json) {
    const body: ChatOnceJson = {
      ok,
      sessionKey: options.sessionKey,
      messageId: result.messageId,
      phase: result.interrupted ? "interrupted" : result.timedOut ? "timeout" : state.phase,
      ...(state.text ? { reply: state.text } : {}),
      ...(media.length > 0 ? { media } : {}),
      ...(ok ? {} : { error: failureText(result, seconds) }),
      relay: { health: after.health, line: after.line },
    };
    options.stdout.write(`${terminalJson(body)}\n`);
    return ok ? 0 : 1;
  }
  if (ok) {
    printer.finish(state.text);
    for (const line of media) options.err(terminalLine(line));
    return 0;
  }
  if (state.text) printer.finish(state.text);
  options.err(`fastclaw-relay chat: ${failureText(result, seconds)}`);
  if (after.health !== "ok") {
    options.err(after.line);
    if (after.hint) options.err(after.hint);
  }
  return 1;
}
