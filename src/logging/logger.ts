/** The relay's winston logger: rotating files under the state dir plus stdout (journald reads it). */
import winston from "winston";
import path from "node:path";
import { mkdirSync } from "node:fs";

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** Directory for `relay.log`; omitted: console only (tests, one-shot commands). */
  logsDir?: string;
  level?: string;
  /** Also write to stdout; the service unit relies on it for journald. */
  console?: boolean;
  /** Rotation: bytes per file and files kept. */
  maxSizeBytes?: number;
  maxFiles?: number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = [];
  const line = winston.format.printf((info) => {
    const { level, message, timestamp, ...meta } = info;
    const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : "";
    return `${String(timestamp)} ${level} ${String(message)}${rest}`;
  });
  if (options.logsDir) {
    mkdirSync(options.logsDir, { recursive: true, mode: 0o700 });
    transports.push(
      new winston.transports.File({
        filename: path.join(options.logsDir, "relay.log"),
        maxsize: options.maxSizeBytes ?? 5 * 1024 * 1024,
        maxFiles: options.maxFiles ?? 5,
        tailable: true,
      }),
    );
  }
  if (options.console ?? !options.logsDir) {
    transports.push(new winston.transports.Console({ stderrLevels: [] }));
  }
  return winston.createLogger({
    level: options.level ?? "info",
    format: winston.format.combine(winston.format.timestamp(), line),
    transports,
  });
}

/** A logger that drops everything: for library code under test that must not print. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
