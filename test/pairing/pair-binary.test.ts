/** The real binary: `pair --json` in a child process against the local Convex server, claimed by the app. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { LocalConvexServer } from "../../dev/local-convex/index.js";
import { type Sandbox } from "../service/helpers.js";
import { claimAsApp, pairSandbox, startServer } from "./pair-helpers.js";

const BIN = path.resolve("bin/fastclaw-relay.js");

let server: LocalConvexServer;
let box: Sandbox;
beforeAll(async () => {
  if (!existsSync(path.resolve("dist/src/cli/main.js")))
    throw new Error("dist/ is missing: run `npx tsc -p tsconfig.build.json` first");
  server = await startServer();
});
afterAll(() => server.stop());
beforeEach(() => {
  box = pairSandbox();
});
afterEach(() => box.cleanup());

test("pair --json: NDJSON events on stdout, exit 0 once the app claims the code", async () => {
  const child = spawn(process.execPath, [BIN, "pair", "--json", "--convex-url", server.url, "--name", "Box"], {
    env: box.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let claimed: Promise<unknown> | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const line = stdout.split("\n").find((l) => l.includes('"event":"pairing"'));
    if (line && !claimed) claimed = claimAsApp((JSON.parse(line) as { payload: string }).payload, "Tablet", "android");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  await claimed;
  expect(code).toBe(0);
  const events = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string });
  expect(events.map((e) => e.event)).toEqual(["registered", "pairing", "claimed"]);
  expect(JSON.parse(readFileSync(box.configFile, "utf8"))).toMatchObject({ convexUrl: server.url, instanceName: "Box" });
});

test("pair --json stopped by SIGTERM (an agent's timeout): the code is withdrawn before it exits, so nobody can claim it", async () => {
  const child = spawn(process.execPath, [BIN, "pair", "--json", "--convex-url", server.url], { env: box.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  const payload = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((l) => l.includes('"event":"pairing"'));
      if (line) resolve((JSON.parse(line) as { payload: string }).payload);
    });
    void exited.then(() => reject(new Error(`pair exited early: ${stdout} ${stderr}`)));
  });
  child.kill("SIGTERM");
  expect(await exited).toBe(1);
  const events = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { event: string });
  expect(events.at(-1)).toEqual({ event: "cancelled", withdrawn: true });
  expect(stderr).toContain("the pairing code was withdrawn");
  await expect(claimAsApp(payload, "Intruder", "ios")).rejects.toMatchObject({ data: { code: "PAIRING_EXPIRED" } });
});
