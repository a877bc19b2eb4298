/** The terminal sanitizer: escape sequences, controls and bidi overrides from Convex or the Gateway never reach a terminal; text stays readable. */
import { terminalJson, terminalLine, terminalText } from "../src/terminal-text.js";

/** What a terminal could act on: ESC, any C0 but LF/TAB, DEL, C1, bidi embeddings/overrides/isolates. */
const LIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const ATTACKS: Array<[string, string, string]> = [
  ["OSC 52 clipboard write (BEL)", "hi\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07 there", "hi there"],
  ["OSC 52 clipboard write (ST)", "hi\x1b]52;c;Y3VybA==\x1b\\ there", "hi there"],
  ["OSC 0 retitle", "\x1b]0;sudo password?\x07ok", "ok"],
  ["OSC 8 hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"],
  ["CSI erase line + CR overwrite", "ok\x1b[2K\rPairing code expired", "ok Pairing code expired"],
  ["CSI cursor up and colour", "a\x1b[1A\x1b[31;1mred\x1b[0m", "ared"],
  ["8-bit CSI", "a\x9b2Jb", "ab"],
  ["8-bit OSC", "a\x9d0;title\x9cb", "ab"],
  ["DCS string", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"],
  ["ESC c (full reset)", "a\x1bcb", "ab"],
  ["lone ESC at the end", "abc\x1b", "abc"],
  ["BEL, backspaces, NUL, DEL", "a\x07\x08\x08b\x00c\x7f", "abc"],
  ["bidi override (Trojan Source)", "invoice\u202efdp.exe", "invoicefdp.exe"],
  ["bidi isolates", "x\u2066y\u2069z\u2067w\u2068v", "xyzwv"],
];

test.each(ATTACKS)("terminalLine removes %s", (_what, input, expected) => {
  const out = terminalLine(input);
  expect(out).toBe(expected);
  expect(out).not.toMatch(LIVE);
  expect(out).not.toMatch(/\n/);
});

test.each(ATTACKS)("terminalText removes %s too", (_what, input) => {
  expect(terminalText(input)).not.toMatch(LIVE);
});

test("ordinary text is left alone: accents, CJK, emoji, right-to-left script, direction marks, punctuation", () => {
  const text = "Zoë's “café” — 李雷 📱 שלום עולם \u200f(rtl) [1] ~/path\\x 100% $HOME";
  expect(terminalLine(text)).toBe(text);
  expect(terminalText(text)).toBe(text);
});

test("terminalText keeps lines and tabs (agent replies), turns CRLF and CR into LF, so a CR cannot overwrite a line", () => {
  expect(terminalText("line 1\n\tindented\r\nline 3\rfake")).toBe("line 1\n\tindented\nline 3\nfake");
  expect(terminalText("a\u2028b")).toBe("a\nb");
});

test("terminalLine makes one line: line breaks and tabs become spaces", () => {
  expect(terminalLine("title\nsecond\tline\r\nthird")).toBe("title second line third");
});

test("terminalJson: the same value (it parses back identically), with nothing a terminal acts on left raw", () => {
  const value = { name: "Evil\x1b]52;c;eA==\x07\u202e\x9b2J\u2028x", n: 1 };
  const json = terminalJson(value);
  expect(json).not.toMatch(LIVE);
  expect(json).not.toMatch(/[\u2028\u2029]/);
  expect(JSON.parse(json)).toEqual(value);
  expect(JSON.parse(terminalJson(value, 2))).toEqual(value);
  expect(terminalJson({ a: "plain" })).toBe(JSON.stringify({ a: "plain" }));
});
