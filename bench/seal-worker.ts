/** Child of the seal phase: times the relay's sealing of its Convex writes under the node flags it was started with; prints JSON. */
import { sealWrite, type SealScope } from "../src/bridge/seal-writes.js";
import { generateContentKey, sessionIdFor } from "../src/e2e/content-key.js";
import { KeyRing } from "../src/e2e/key-ring.js";
import { summarize, type Summary } from "./stats.js";

export interface SealSample {
  textBytes: number;
  /** Sealing one streaming-row write (text, its session id cached as the relay caches it). */
  seal: Summary;
  /** The same write's JSON encoding, which the Convex client does for every write anyway: the baseline. */
  json: Summary;
}

const SESSIONS = 20;
const WARMUP = 200;

async function measure(textBytes: number, count: number): Promise<SealSample> {
  const keys = await KeyRing.fromStored(generateContentKey());
  const ids = new Map<string, string>();
  const scope: SealScope = {
    key: keys.current,
    sessionId: async (sessionKey) => ids.get(sessionKey) ?? ids.set(sessionKey, await sessionIdFor(keys.current, sessionKey)).get(sessionKey)!,
    appMessage: () => undefined,
  };
  const text = "x".repeat(textBytes);
  const seal: number[] = [];
  const json: number[] = [];
  for (let i = 0; i < WARMUP + count; i++) {
    const args = { sessionKey: `agent:main:bench-${i % SESSIONS}`, runId: `run-${i}`, text, state: "streaming" };
    let started = performance.now();
    const sealed = await sealWrite("relay:upsertStream", args, scope);
    const sealMs = performance.now() - started;
    if (sealed === null) throw new Error("relay:upsertStream has no sealing rule");
    started = performance.now();
    JSON.stringify(args);
    const jsonMs = performance.now() - started;
    if (i >= WARMUP) {
      seal.push(sealMs);
      json.push(jsonMs);
    }
  }
  return { textBytes, seal: summarize(seal), json: summarize(json) };
}

const [count, ...sizes] = process.argv.slice(2).map(Number);
const results: SealSample[] = [];
for (const size of sizes) results.push(await measure(size, count!));
process.stdout.write(`${JSON.stringify(results)}\n`);
