import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs bin/fastclaw-relay.js on this Node but reporting another version, as an old Node would. */
function runAs(version: string, args: string[]) {
  const script = `process.argv.splice(1, 0, "fastclaw-relay"); Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} }); await import(${JSON.stringify(path.join(root, "bin/fastclaw-relay.js"))});`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script, "--", ...args], { encoding: "utf8" });
}

describe("bin/fastclaw-relay.js on an unsupported Node", () => {
  test("Node 20 gets a clear message naming the required version, and exit 1", () => {
    const result = runAs("20.20.2", ["--help"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Node 20.20.2 is too old");
    expect(result.stderr).toContain(">= 22.19");
    expect(result.stdout).toBe("");
  });

  test("Node 22.19 is accepted", () => {
    const result = runAs("22.19.0", ["--version"]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
