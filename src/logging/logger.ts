/** The relay's winston logger: rotating files under the state dir plus stdout (journald reads it). */
import winston from "winston";
import path from "node:path";
import { redactFormat } from "./redact.js";
import { LineTransport, RotatingFileTransport } from "./transports.js";

export type Logger = winston.Logger;

/** The file `logs` reads: always the newest; rotated files are `relay1.log`, `relay2.log`… (oldest last). */
export const LOG_FILE_NAME = "relay.log";

export interface LoggerOptions {
  /** Directory for `relay.log`; omitted: console only (tests, one-shot commands). */
  logsDir?: string;
  level?: string;
  /** Also write to stdout; the service unit relies on it for journald. */
  console?: boolean;
  /** Where "stdout" is (default process.stdout); tests pass a capture. */
  stdout?: { write(text: string): unknown };
  /** Rotation: bytes per file and files kept. */
  maxSizeBytes?: number;
  maxFiles?: number;
  /** Exact credential values to mask wherever they show up (key- and shape-based masking always applies). */
  secrets?: readonly string[];
}

export function logFilePath(logsDir: string): string {
  return path.join(logsDir, LOG_FILE_NAME);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = [];
  const line = winston.format.printf((info) => {
    const { level, message, timestamp, ...meta } = info;
    const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : "";
    return `${String(timestamp)} ${level} ${String(message)}${rest}`;
  });
  if (options.logsDir) {
    transports.push(
      new RotatingFileTransport({
        filename: logFilePath(options.logsDir),
        maxSizeBytes: options.maxSizeBytes ?? 5 * 1024 * 1024,
        maxFiles: options.maxFiles ?? 5,
      }),
    );
  }
  if (options.console ?? !options.logsDir) {
    transports.push(new LineTransport(options.stdout ?? process.stdout));
  }
  return winston.createLogger({
    level: options.level ?? "info",
    // Redaction runs first so no transport ever sees a credential.
    format: winston.format.combine(redactFormat({ secrets: options.secrets ?? [] }), winston.format.timestamp(), line),
    transports,
  });
}

/** A logger that drops everything: for library code under test that must not print. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Resolves once every transport has written what it was given (call before exiting). */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    logger.on("finish", () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
