/** INTEGRATION SMOKE: the local server loads this project's real convex/ directory and answers one HTTP query. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { ConvexHttpClient } from "convex/browser";
import { startLocalConvex, type LocalConvexServer } from "../../dev/local-convex/index.js";

const convexDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../convex");
const ready = existsSync(path.join(convexDir, "schema.ts")) && existsSync(path.join(convexDir, "_generated"));
// Runs once the project's convex/ exists (another workstream writes it); skipped before that.
const describeIfReady = ready ? describe : describe.skip;

describeIfReady("integration smoke: real convex/ on the local server", () => {
  let server: LocalConvexServer | undefined;
  afterEach(() => server?.stop());

  test("relay:info runs through ConvexHttpClient (unknown secret → a ConvexError from the real function)", async () => {
    server = await startLocalConvex({ port: 0, host: "127.0.0.1", functionsDir: convexDir });
    const http = new ConvexHttpClient(server.url, { logger: false });
    const secret = randomBytes(32).toString("base64url");
    let outcome: unknown;
    try {
      outcome = await http.query(makeFunctionReference<"query">("relay:info"), { relaySecret: secret });
    } catch (error) {
      outcome = error;
    }
    // Either answer proves the real function ran here; per docs/convex-api.md it is UNAUTHORIZED.
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(ConvexError);
      expect(typeof (outcome as ConvexError<{ code: string }>).data.code).toBe("string");
    }
    expect(server.stats().calls["relay:info"]).toBe(1);
  });
});
