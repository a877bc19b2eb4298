/** Which Gateway the trial uses: the person's own when one answers with their credentials, else a trial Gateway it starts. */
import { RelayError } from "../../src/relay-error.js";
import path from "node:path";
import type { Env } from "../../src/config/paths.js";
import { probeGatewayConnect, type ProbeResult } from "../devkit/gateway-probe.js";
import { resolveGatewayConfig, type ResolvedGatewayConfig } from "../../src/gateway/index.js";
import type { GatewayMode } from "./trial-args.js";

export interface TrialGateway {
  url: string;
  /** Credentials for the relay, passed to it as OPENCLAW_GATEWAY_TOKEN/PASSWORD. */
  token?: string;
  password?: string;
  /** True when the trial started it (and must stop it). */
  started: boolean;
  /** One line for the person: which Gateway, and why. */
  description: string;
  stop(): Promise<void>;
  /** SIGKILL if the trial started it and it still runs (synchronous: for process exit). */
  kill(): void;
}

export interface GatewayChoiceDeps {
  env: Env;
  probe?: (url: string, token: string | undefined) => Promise<ProbeResult>;
  resolve?: (env: Env) => Promise<ResolvedGatewayConfig>;
  /** Starts the real Gateway from the devDependencies with the stub model (see local-trial-gateway.ts). */
  startLocal: (stateDir: string) => Promise<TrialGateway>;
  note: (line: string) => void;
}

export class TrialGatewayError extends RelayError<"TRIAL_NO_GATEWAY"> {
  override readonly name = "TrialGatewayError";
  constructor(message: string, hint?: string) {
    super("TRIAL_NO_GATEWAY", message, hint);
  }
}

/** Nothing listening (or not a Gateway): as opposed to a Gateway that answered and refused. */
function nobodyThere(result: Extract<ProbeResult, { ok: false }>): boolean {
  return result.code === "SOCKET_ERROR" || result.code === "CLOSED" || result.code === "PROBE_TIMEOUT";
}

export async function chooseGateway(mode: GatewayMode, trialDir: string, deps: GatewayChoiceDeps): Promise<TrialGateway> {
  const startLocal = async (why: string): Promise<TrialGateway> => {
    deps.note(`${why}Starting a trial OpenClaw Gateway (the real one from the dev dependencies) with a stub model: replies are "Stub reply to: …", not AI.`);
    return deps.startLocal(path.join(trialDir, "gateway"));
  };
  if (mode === "local") return startLocal("");

  let config: ResolvedGatewayConfig;
  try {
    config = await (deps.resolve ?? ((env) => resolveGatewayConfig({ env })))(deps.env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (mode === "existing") throw new TrialGatewayError(`cannot tell where your Gateway is: ${message}`);
    return startLocal(`Your OpenClaw configuration could not be used (${message}). `);
  }
  const { token, password } = config.auth;
  const probe = deps.probe ?? ((url, probeToken) => probeGatewayConnect(url, probeToken, 5000));
  const result = await probe(config.url, token);
  if (result.ok) {
    return {
      url: config.url,
      ...(token ? { token } : {}),
      ...(password ? { password } : {}),
      started: false,
      description: `Using your OpenClaw Gateway at ${config.url} (version ${result.serverVersion || "unknown"}; URL from ${config.urlSource}, credentials from ${config.authSource}). The trial does not change it.`,
      stop: async () => undefined,
      kill: () => undefined,
    };
  }
  const refused = !nobodyThere(result);
  const found = refused
    ? `The Gateway at ${config.url} refused the trial (${result.code}: ${result.message}; credentials from ${config.authSource}).`
    : `No OpenClaw Gateway answers at ${config.url} (${result.message}).`;
  if (mode === "existing") {
    throw new TrialGatewayError(
      `${found} ${refused ? "Set OPENCLAW_GATEWAY_TOKEN (or fix gateway.auth in your OpenClaw config)." : "Start it (`openclaw gateway run`), or use --gateway local."}`,
    );
  }
  return startLocal(`${found} `);
}
