/** The deployment's own sync URL, from `GET /app-config.json`; remembered so the installed app opens offline. */
import { withDeadline } from "./errors.js";

export interface AppConfig {
  convexUrl: string;
}

const CACHE_KEY = "fastclaw.config.v1";
const CONFIG_TIMEOUT_MS = 10_000;

function isConfig(value: unknown): value is AppConfig {
  return typeof value === "object" && value !== null && typeof (value as { convexUrl?: unknown }).convexUrl === "string" && /^https?:\/\//.test((value as AppConfig).convexUrl);
}

/** Fresh from the deployment when it answers, else the copy from the last time it did; null when neither. */
export async function loadConfig(storage: Storage, fetchImpl: typeof fetch = fetch): Promise<AppConfig | null> {
  try {
    const res = await withDeadline(fetchImpl("/app-config.json", { cache: "no-store" }), CONFIG_TIMEOUT_MS);
    if (res.ok) {
      const body: unknown = await res.json();
      if (isConfig(body)) {
        storage.setItem(CACHE_KEY, JSON.stringify({ convexUrl: body.convexUrl }));
        return { convexUrl: body.convexUrl };
      }
    }
  } catch {
    // Offline or unreachable: fall back to the remembered copy below.
  }
  try {
    const cached: unknown = JSON.parse(storage.getItem(CACHE_KEY) ?? "null");
    return isConfig(cached) ? cached : null;
  } catch {
    return null;
  }
}
