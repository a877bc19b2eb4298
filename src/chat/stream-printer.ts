/** Prints a reply as it streams in: appends what is new, and starts over on a line of its own if the text was revised. */
import { terminalText } from "../terminal-text.js";

export interface TextSink {
  write(text: string): unknown;
}

export class StreamPrinter {
  private printed = "";
  private started = false;

  /** `live`: print while streaming (a terminal); otherwise only `finish` prints, once. */
  constructor(
    private readonly out: TextSink,
    private readonly live: boolean,
    private readonly prefix = "",
  ) {}

  update(text: string): void {
    if (!this.live || text.length === 0) return;
    this.show(text);
  }

  /** Prints whatever of `text` is not on screen yet and ends the line. */
  finish(text: string): void {
    this.show(text);
    if (this.started) this.out.write("\n");
    this.printed = "";
    this.started = false;
  }

  /** `raw` is the agent's text: what reaches the terminal is its sanitized form, compared as such. */
  private show(raw: string): void {
    const text = terminalText(raw);
    if (!this.started) {
      this.out.write(this.prefix);
      this.started = true;
    }
    if (text.startsWith(this.printed)) {
      this.out.write(text.slice(this.printed.length));
    } else {
      // The row was rewritten (e.g. merged with the transcript's canonical text): show it whole.
      this.out.write(`\n${this.prefix}${text}`);
    }
    this.printed = text;
  }
}
