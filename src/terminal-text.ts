/** Makes text from Convex or the Gateway safe to write to a terminal: no escape sequences, controls or bidi overrides. */

/**
 * Whole escape sequences, removed before single characters so their parameters do not survive as
 * visible junk: OSC (title, clipboard via OSC 52, hyperlinks), DCS/SOS/PM/APC strings up to their
 * terminator, CSI (cursor moves, erase, colours), and ESC followed by one character. The 8-bit C1
 * introducers (U+009B CSI, U+009D OSC, …) are matched as well: some terminals honour them.
 */
const SEQUENCES = new RegExp(
  [
    // OSC: ESC ] or U+009D … ended by BEL, ST (ESC \ or U+009C); unterminated: to the end.
    String.raw`(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?`,
    // DCS, SOS, PM, APC: ESC P/X/^/_ or U+0090/0098/009E/009F … ended by ST.
    String.raw`(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?`,
    // CSI: ESC [ or U+009B, parameter and intermediate bytes, one final byte.
    String.raw`(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?`,
    // Any other escape: ESC, optional intermediates, one final character.
    String.raw`\x1b[\x20-\x2f]*[\x30-\x7e]?`,
  ].join("|"),
  "g",
);

/** C0 controls but TAB and LF, DEL, C1 controls. */
const CONTROLS_KEEP_NEWLINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Every C0 control (TAB and LF included), DEL, C1 controls. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder what follows
 * on screen, so a line can display something other than what it says. Plain direction marks stay.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Line and paragraph separators: some terminals break the line on them. */
const LINE_SEPARATORS = /[\u2028\u2029]/g;

function withoutSequences(text: string): string {
  return text.replace(SEQUENCES, "").replace(BIDI_CONTROLS, "");
}

/** Text of several lines (agent replies): keeps LF and TAB, turns CRLF/CR into LF, drops every other control. */
export function terminalText(text: string): string {
  return withoutSequences(text)
    .replace(/\r\n?/g, "\n")
    .replace(LINE_SEPARATORS, "\n")
    .replace(CONTROLS_KEEP_NEWLINES, "");
}

/** One line (names, titles, previews, status lines): line breaks and tabs become spaces, other controls go. */
export function terminalLine(text: string): string {
  return withoutSequences(text)
    .replace(/\r\n|[\r\n\t\u2028\u2029]/g, " ")
    .replace(CONTROLS, "");
}

/**
 * JSON for a terminal or a pipe: the same value, with every character a terminal could act on
 * written as a \u escape (JSON.stringify escapes only C0), so `--json` output cannot carry a live
 * escape sequence either.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
