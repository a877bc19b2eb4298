import { Writable } from "node:stream";
import winston from "winston";

/** A logger that keeps every line, so tests can check what was (and wasn't) logged. */
export function captureLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

/** A real winston logger whose records the test can read. */
export function recordingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    objectMode: true,
    write(info: Record<string, unknown>, _encoding, done) {
      records.push(info);
      done();
    },
  });
  const logger = winston.createLogger({ level: "debug", transports: [new winston.transports.Stream({ stream })] });
  return { logger, records };
}
