/** Reading a pairing payload for `chat`: stdin (`--pair -`), a file (`--pair-file`), or the command line (flagged). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { ChatError } from "../../src/chat/chat-error.js";
import { MAX_PAIR_INPUT_BYTES, readPairInput } from "../../src/chat/pair-input.js";
import { cli } from "../cli/cli-helpers.js";
import { makeSandbox } from "../service/helpers.js";

const LINK = `fastclaw://pair?v=1&u=${encodeURIComponent("http://127.0.0.1:9")}&t=${"A".repeat(20)}${"b_-".repeat(8)}&k=${"k".repeat(43)}`;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fcr-pair-input-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("--pair -: the first line of standard input, the rest left unread", async () => {
  const stdin = new PassThrough();
  stdin.write(`${LINK}\nhello agent\n`);
  await expect(readPairInput({ pair: "-" }, stdin)).resolves.toEqual({ payload: LINK, onCommandLine: false });
  expect(String(stdin.read())).toBe("hello agent\n");
});

test("--pair -: input without a newline is read to its end; empty input is empty", async () => {
  await expect(readPairInput({ pair: "-" }, Readable.from([LINK.slice(0, 20), LINK.slice(20)]))).resolves.toEqual({ payload: LINK, onCommandLine: false });
  await expect(readPairInput({ pair: "-" }, Readable.from([]))).resolves.toEqual({ payload: "", onCommandLine: false });
});

test("--pair-file: the file's text; a missing or oversized file is a BAD_PAYLOAD error", async () => {
  const file = path.join(dir, "payload");
  writeFileSync(file, `${LINK}\n`, { mode: 0o600 });
  await expect(readPairInput({ pairFile: file }, Readable.from([]))).resolves.toEqual({ payload: `${LINK}\n`, onCommandLine: false });
  await expect(readPairInput({ pairFile: path.join(dir, "nope") }, Readable.from([]))).rejects.toThrow(/cannot read --pair-file .*ENOENT/);
  writeFileSync(file, "x".repeat(MAX_PAIR_INPUT_BYTES + 1));
  await expect(readPairInput({ pairFile: file }, Readable.from([]))).rejects.toBeInstanceOf(ChatError);
});

test("a payload in the arguments is flagged as such; none asked for is undefined; both forms at once are refused", async () => {
  await expect(readPairInput({ pair: LINK }, Readable.from([]))).resolves.toEqual({ payload: LINK, onCommandLine: true });
  await expect(readPairInput({}, Readable.from([]))).resolves.toBeUndefined();
  await expect(readPairInput({ pair: "-", pairFile: "f" }, Readable.from([]))).rejects.toThrow(/alternatives/);
});

test("chat --pair <payload>: warns on stderr that other local users could read it and names the safe forms", async () => {
  const box = makeSandbox();
  try {
    // A payload whose Convex URL refuses at once: the warning comes before the claim is tried.
    const result = await cli(["chat", "--pair", LINK, "--timeout", "2"], { env: box.env, stdin: Readable.from([]) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^warning: the pairing payload was given on the command line, where every local user can read it/m);
    expect(result.stderr).toMatch(/`fastclaw-relay chat --pair -`\) or in a private file \(`--pair-file PATH`\)/);
    const piped = await cli(["chat", "--pair", "-", "--timeout", "2"], { env: box.env, stdin: Readable.from([`${LINK}\n`]) });
    expect(piped.code).toBe(1);
    expect(piped.stderr).not.toMatch(/warning/);
    expect(piped.stderr).toMatch(/Pairing with http:\/\/127\.0\.0\.1:9/);
  } finally {
    box.cleanup();
  }
});
