/** `/attach` and `--attach`: parsing, reading and checking the file before upload, sending it, and saving media from replies. */
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { AttachmentError, type OpenedAttachment, type StoredFile } from "../../src/app-client/client-files.js";
import { parseAttachCommand, readAttachment } from "../../src/chat/attach-file.js";
import { ChatError } from "../../src/chat/chat-error.js";
import { chatOnce } from "../../src/chat/chat-once.js";
import { runChatRepl } from "../../src/chat/chat-repl.js";
import { safeFileName, saveMedia } from "../../src/chat/media-saver.js";
import { FakeApp, replies, sink } from "./fake-app.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "attach-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

function storedFile(attachmentId: string, type: string, opened: OpenedAttachment | Error): StoredFile & { opened: OpenedAttachment | Error } {
  return { attachmentId, type, size: 50, source: "gateway", createdAt: 0, expiresAt: 1, url: "http://fake/file", opened };
}

async function repl(fake: FakeApp, lines: string[], mediaDir?: string) {
  const input = new PassThrough();
  const output = sink();
  const done = runChatRepl({ link: fake.link(), sessionKey: "agent:main:main", input, output, timeoutMs: 2_000, ...(mediaDir ? { mediaDir } : {}) });
  for (const line of lines) input.write(`${line}\n`);
  input.end();
  expect(await done).toBe(0);
  return output.text();
}

test("parseAttachCommand: a path, a caption, quoted paths with spaces, nothing", () => {
  expect(parseAttachCommand("cat.png")).toEqual({ path: "cat.png", caption: "" });
  expect(parseAttachCommand("  ~/cat.png   what is   this? ")).toEqual({ path: "~/cat.png", caption: "what is   this?" });
  expect(parseAttachCommand('"my cat.png" look')).toEqual({ path: "my cat.png", caption: "look" });
  expect(parseAttachCommand("'a b.pdf'")).toEqual({ path: "a b.pdf", caption: "" });
  expect(parseAttachCommand("")).toBeUndefined();
  expect(parseAttachCommand('"unclosed')).toBeUndefined();
  expect(parseAttachCommand('""')).toBeUndefined();
});

test("readAttachment: the bytes and a type from the extension; a missing file or a directory is a clear error", async () => {
  await writeFile(path.join(dir, "cat.PNG"), PNG);
  expect(await readAttachment(path.join(dir, "cat.PNG"))).toEqual({ name: "cat.PNG", type: "image/png", bytes: PNG });
  expect((await readAttachment(await writeThen(path.join(dir, "x.sh"), "echo"))).type).toBe("");
  await expect(readAttachment(path.join(dir, "nope.png"))).rejects.toThrow(`cannot read ${path.join(dir, "nope.png")}: no such file`);
  await mkdir(path.join(dir, "sub.png"));
  await expect(readAttachment(path.join(dir, "sub.png"))).rejects.toMatchObject({ code: "UNREADABLE" });
});

async function writeThen(file: string, text: string): Promise<string> {
  await writeFile(file, text);
  return file;
}

test("/attach PATH caption uploads the file and sends it with the caption; /attach alone shows the usage", async () => {
  const fake = new FakeApp();
  replies(fake);
  await writeFile(path.join(dir, "my cat.png"), PNG);
  const text = await repl(fake, [`/attach "${path.join(dir, "my cat.png")}" what is this?`, "/attach", "/help"]);
  expect(fake.uploads).toEqual([{ name: "my cat.png", type: "image/png", bytes: PNG }]);
  expect(fake.sent).toEqual([{ sessionKey: "agent:main:main", text: "what is this?" }]);
  expect(fake.sentAttachments).toEqual([[{ attachmentId: "attachment-00000001", storageId: "storage1", type: "image/png" }]]);
  expect(text).toContain("agent> Stub reply to: what is this?");
  expect(text).toContain("usage: /attach PATH [caption…]");
  expect(text).toContain("/attach PATH [caption…]  send a file at once");
});

test("/attach refuses a missing file, a type the relay does not take and one over the image limit: nothing is uploaded or sent, the chat goes on", async () => {
  const fake = new FakeApp();
  replies(fake);
  await writeFile(path.join(dir, "run.sh"), "rm -rf /");
  await writeFile(path.join(dir, "big.png"), new Uint8Array(101));
  const text = await repl(fake, [`/attach ${path.join(dir, "gone.png")}`, `/attach ${path.join(dir, "run.sh")}`, `/attach ${path.join(dir, "big.png")} hi`, "still here"]);
  expect(text).toContain(`[error] cannot read ${path.join(dir, "gone.png")}: no such file`);
  expect(text).toContain("[error] run.sh: files of type (unknown) cannot be sent");
  expect(text).toContain("[error] big.png is 101 bytes; at most 100 bytes can be sent as an image");
  expect(fake.uploads).toEqual([]);
  expect(fake.sent.map((s) => s.text)).toEqual(["still here"]);
});

test("media with a reply is saved in a private directory under a name of our own, and its path printed escaped", async () => {
  const fake = new FakeApp();
  replies(fake);
  const mediaDir = path.join(dir, "media");
  const image = new Uint8Array([1, 2, 3, 4]);
  fake.onSend = ((inner) => (user) => {
    inner(user);
    // The reply row appears 5 ms later (replies()); its files are listed once it is final.
    setTimeout(() => {
      const reply = fake.rows.find((r) => r.role === "assistant" && r.runId === user.messageId)!;
      fake.files.set(reply.messageId, [
        storedFile("att-aaaaaaaaaaaaaaaa", "image/png", { attachmentId: "att-aaaaaaaaaaaaaaaa", type: "image/png", name: "../../etc/\x1b[31mevil.sh", bytes: image }),
        storedFile("att-bbbbbbbbbbbbbbbb", "application/pdf", new AttachmentError("UNREADABLE", "the file cannot be decrypted: it is damaged")),
      ]);
    }, 7);
  })(fake.onSend);
  const text = await repl(fake, ["draw a cat"], mediaDir);
  const saved = path.join(mediaDir, "31mevil-att-aaaaaaaa.png");
  expect(text).toContain(`[media] image/png saved to ${saved}\n`);
  expect(text).toContain("[media] a file (application/pdf) could not be saved: the file cannot be decrypted: it is damaged");
  expect(text).not.toContain("\x1b");
  expect(await readdir(mediaDir)).toEqual(["31mevil-att-aaaaaaaa.png"]);
  expect(new Uint8Array(await readFile(saved))).toEqual(image);
  expect((await stat(saved)).mode & 0o777).toBe(0o600);
  expect((await stat(mediaDir)).mode & 0o777).toBe(0o700);
});

test("safeFileName and saveMedia: no path from the name, the type's extension, no overwrite", async () => {
  const base = { attachmentId: "abcdefghijklmnopq", type: "image/jpeg" };
  expect(safeFileName({ ...base, name: "../../.bashrc" })).toBe("bashrc-abcdefghijkl.jpg");
  expect(safeFileName({ ...base, name: "C:\\Users\\x\\photo 1.exe" })).toBe("photo_1-abcdefghijkl.jpg");
  expect(safeFileName({ ...base, name: undefined })).toBe("file-abcdefghijkl.jpg");
  expect(safeFileName({ ...base, type: "application/x-unknown", name: "..." })).toBe("file-abcdefghijkl.bin");
  const first = await saveMedia(dir, { ...base, name: "a.jpg", bytes: new Uint8Array([1]) });
  const second = await saveMedia(dir, { ...base, name: "a.jpg", bytes: new Uint8Array([2]) });
  expect(path.basename(first)).toBe("a-abcdefghijkl.jpg");
  expect(path.basename(second)).toBe("a-abcdefghijkl-1.jpg");
  expect([...(await readFile(first))]).toEqual([1]);
});

test("chat --message --attach: a refused file fails before anything is sent; an accepted one goes with the message", async () => {
  const fake = new FakeApp();
  replies(fake);
  await writeFile(path.join(dir, "big.png"), new Uint8Array(101));
  const common = { link: fake.link(), sessionKey: "agent:main:main", message: "see", timeoutMs: 2_000, json: false, live: false, stdout: sink(), err: () => undefined };
  const refused = await chatOnce({ ...common, attach: path.join(dir, "big.png") }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(ChatError);
  expect(refused).toMatchObject({ code: "REFUSED", message: "big.png is 101 bytes; at most 100 bytes can be sent as an image" });
  expect(fake.sent).toEqual([]);
  await writeFile(path.join(dir, "notes.txt"), "hello");
  expect(await chatOnce({ ...common, attach: path.join(dir, "notes.txt") })).toBe(0);
  expect(fake.sent).toEqual([{ sessionKey: "agent:main:main", text: "see" }]);
  expect(fake.sentAttachments[0]).toMatchObject([{ type: "text/plain" }]);
});
