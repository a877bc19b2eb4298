/** Where `chat` takes a pairing payload from: standard input (`--pair -`), a file (`--pair-file`), or the command line. */
import { open } from "node:fs/promises";
import { ChatError } from "./chat-error.js";

/** A payload is one line of ~200 bytes (or one `pair --json` event); more than this is not a payload. */
export const MAX_PAIR_INPUT_BYTES = 16 * 1024;

export const STDIN_MARKER = "-";

export const ARGV_WARNING =
  "warning: the pairing payload was given on the command line, where every local user can read it (ps, /proc) " +
  "while this runs. It is claimed at once, which uses the one-time code up; next time pass it on standard input " +
  "(`fastclaw-relay chat --pair -`) or in a private file (`--pair-file PATH`).";

export interface PairSource {
  pair?: string;
  pairFile?: string;
}

export interface PairInput {
  payload: string;
  /** The payload (with its token) sat in this process's arguments. */
  onCommandLine: boolean;
}

/** The first line of `stream`, at most MAX_PAIR_INPUT_BYTES; stops reading there so the rest stays unread. */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (result: () => void) => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.pause();
      result();
    };
    const onData = (chunk: Buffer | string) => {
      text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        done(() => resolve(text.slice(0, newline)));
        // What came after the line is not ours: put it back for whoever reads on.
        const rest = text.slice(newline + 1);
        if (rest.length > 0 && "unshift" in stream) (stream as NodeJS.ReadableStream & { unshift(chunk: Buffer): void }).unshift(Buffer.from(rest, "utf8"));
      }
      else if (text.length > MAX_PAIR_INPUT_BYTES) done(() => reject(tooLong("standard input")));
    };
    const onEnd = () => done(() => resolve(text));
    const onError = (error: Error) => done(() => reject(new ChatError("BAD_PAYLOAD", `cannot read the pairing payload from standard input: ${error.message}`)));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
    stream.resume();
  });
}

function tooLong(where: string): ChatError {
  return new ChatError("BAD_PAYLOAD", `the pairing payload on ${where} is longer than ${MAX_PAIR_INPUT_BYTES} bytes: not a pairing payload`);
}

async function readPairFile(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw new ChatError("BAD_PAYLOAD", `cannot read --pair-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_PAIR_INPUT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_PAIR_INPUT_BYTES) throw tooLong(file);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The payload to claim, or undefined when no pairing was asked for. */
export async function readPairInput(source: PairSource, stdin: NodeJS.ReadableStream): Promise<PairInput | undefined> {
  if (source.pair !== undefined && source.pairFile !== undefined) {
    throw new ChatError("BAD_PAYLOAD", "--pair and --pair-file are alternatives: pass one of them");
  }
  if (source.pairFile !== undefined) return { payload: await readPairFile(source.pairFile), onCommandLine: false };
  if (source.pair === undefined) return undefined;
  if (source.pair === STDIN_MARKER) return { payload: await readFirstLine(stdin), onCommandLine: false };
  return { payload: source.pair, onCommandLine: true };
}
