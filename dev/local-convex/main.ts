/** `node dist/dev/local-convex/main.js [--port 3210] [--functions-dir dir]`: run the local Convex server for a person. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkControlToken, CONTROL_TOKEN_ENV, newControlToken, startControlServer } from "./control-server.js";
import { LOCAL_CONVEX_REGISTRATION_KEY, provideLocalRegistrationKey, REGISTRATION_KEY_ENV } from "./registration-key.js";
import { startLocalConvex } from "./server.js";
import type { LocalConvexLogger } from "./local-logger.js";

const USAGE =
  "usage: local-convex [--port 3210] [--site-port 3211] [--functions-dir <dir>] [--control-port <port>]\n" +
  `  the control port needs "Authorization: Bearer <token>": ${CONTROL_TOKEN_ENV} sets it, else one is made and printed`;

interface Args {
  port: number;
  sitePort: number;
  functionsDir: string;
  controlPort: number | undefined;
}

function portValue(flag: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid ${flag}\n${USAGE}`);
  return port;
}

function parseArgs(argv: string[]): Args {
  // Compiled to dist/dev/local-convex/main.js; the compiled functions live in dist/convex.
  let functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
  let port = 3210;
  let sitePort: number | undefined;
  let controlPort: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    if (flag === "--port") {
      port = portValue(flag, value());
    } else if (flag === "--site-port") {
      sitePort = portValue(flag, value());
    } else if (flag === "--control-port") {
      controlPort = portValue(flag, value());
    } else if (flag === "--functions-dir") {
      functionsDir = path.resolve(value());
    } else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      throw new Error(`unknown argument "${argv[i]}"\n${USAGE}`);
    }
  }
  // Like a deployment's .convex.site next to .convex.cloud: the next port by default (any free one with --port 0).
  return { port, sitePort: sitePort ?? (port === 0 ? 0 : port + 1), functionsDir, controlPort };
}

function consoleLogger(): LocalConvexLogger {
  const line = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    console.error(`[local-convex] ${level} ${message}${meta && Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : ""}`);
  return { debug: () => undefined, info: line("info"), warn: line("warn"), error: line("error") };
}

async function main(): Promise<void> {
  const { port, sitePort, functionsDir, controlPort } = parseArgs(process.argv.slice(2));
  const given = process.env[CONTROL_TOKEN_ENV];
  const controlToken = given === undefined ? undefined : checkControlToken(given);
  // The functions read their settings from the environment, as on a Convex deployment.
  const registrationKey = provideLocalRegistrationKey();
  const server = await startLocalConvex({ port, sitePort, host: "127.0.0.1", functionsDir, logger: consoleLogger() });
  console.log(`Local Convex server: ${server.url}`);
  console.log(`Site (HTTP actions, the web app): ${server.siteUrl}`);
  if (controlPort !== undefined) {
    const token = controlToken ?? newControlToken();
    const control = await startControlServer(server, controlPort, token);
    console.log(`Control: ${control.url}`);
    // Printed only when this process made it up: a parent that chose it already knows it.
    if (controlToken === undefined) console.log(`Control token: ${token}`);
  }
  console.log(`Functions: ${functionsDir}`);
  console.log(
    registrationKey === LOCAL_CONVEX_REGISTRATION_KEY
      ? `Registration key (${REGISTRATION_KEY_ENV} for \`fastclaw-relay pair\`): ${registrationKey}`
      : `Registration key: the one in ${REGISTRATION_KEY_ENV}`,
  );
  console.log(
    "WARNING: in-memory and for local use only. There is no authentication beyond what the project's " +
      "functions check themselves (JWTs are not verified), and all data is lost when this process exits.",
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping local Convex server`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
