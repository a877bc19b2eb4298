/** Winston transports: relay.log appended synchronously and rotated by size (relay1.log is the previous one), and stdout lines. */
import Transport from "winston-transport";
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

export interface RotatingFileOptions {
  filename: string;
  maxSizeBytes: number;
  /** Files kept in all, the live one included (at least 1). */
  maxFiles: number;
}

const MESSAGE = Symbol.for("message");

/** `relay.log` → `relay<n>.log`. */
export function rotatedName(filename: string, n: number): string {
  const ext = path.extname(filename);
  return n === 0 ? filename : `${filename.slice(0, filename.length - ext.length)}${n}${ext}`;
}

// winston's own File transport drops bursts written while it rotates (seen with 3.19); writing
// synchronously costs little at the relay's log volume and loses nothing, even on a hard exit.
export class RotatingFileTransport extends Transport {
  private fd: number | undefined;
  private size = 0;

  constructor(private readonly options: RotatingFileOptions) {
    super();
    mkdirSync(path.dirname(options.filename), { recursive: true, mode: 0o700 });
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const line = `${String(info[MESSAGE] ?? info.message)}\n`;
    try {
      this.append(Buffer.from(line, "utf8"));
    } catch (error) {
      // Logging must never take the relay down; the console transport still has the line.
      this.emit("warn", error);
    }
    this.emit("logged", info);
    next();
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.options.filename, "a", 0o600);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  private append(data: Buffer): void {
    let fd = this.open();
    if (this.size > 0 && this.size + data.length > this.options.maxSizeBytes) {
      this.rotate();
      fd = this.open();
    }
    writeSync(fd, data);
    this.size += data.length;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const { filename, maxFiles } = this.options;
    if (maxFiles <= 1) {
      rmSync(filename, { force: true });
      return;
    }
    rmSync(rotatedName(filename, maxFiles - 1), { force: true });
    for (let n = maxFiles - 2; n >= 0; n -= 1) {
      try {
        renameSync(rotatedName(filename, n), rotatedName(filename, n + 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  override close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One formatted line per entry to a stream (stdout, which journald reads under systemd). */
export class LineTransport extends Transport {
  constructor(private readonly stream: { write(text: string): unknown }) {
    super();
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.stream.write(`${String(info[MESSAGE] ?? info.message)}\n`);
    this.emit("logged", info);
    next();
  }
}
