/** The set-up step that installs platform packages `npm ci` skipped on an older Node: what it picks, and that it checks what it unpacks. */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface Missing {
  where: string;
  name: string;
  version: string;
}
interface NativeOptionals {
  missingNativeOptionals(root: string): Missing[];
  ensureNativeOptionals(root: string, deps: { log?: (line: string) => void; pack?: (spec: string, dir: string) => string }): string[];
}

const modulePath = pathToFileURL(path.resolve("scripts/native-optional.mjs")).href;
const { missingNativeOptionals, ensureNativeOptionals } = (await import(modulePath)) as NativeOptionals;

const here = { os: [process.platform], cpu: [process.arch] };
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fc-native-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeLock(packages: Record<string, object>): void {
  writeFileSync(path.join(root, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: { "": {}, ...packages } }));
}

/** A real npm tarball (package/ inside) holding one package.json, and its sha512 integrity. */
function tarball(dir: string, name: string): { file: string; integrity: string } {
  const src = mkdtempSync(path.join(root, "src-"));
  mkdirSync(path.join(src, "package"));
  writeFileSync(path.join(src, "package", "package.json"), JSON.stringify({ name, version: "1.0.0" }));
  const file = path.join(dir, "pkg-1.0.0.tgz");
  expect(spawnSync("tar", ["-czf", file, "-C", src, "package"]).status).toBe(0);
  return { file, integrity: `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}` };
}

test("picks only optional packages for this platform that are missing from node_modules", () => {
  mkdirSync(path.join(root, "node_modules", "present"), { recursive: true });
  writeFileSync(path.join(root, "node_modules", "present", "package.json"), "{}");
  writeLock({
    "node_modules/native-here": { version: "1.0.0", optional: true, ...here },
    "node_modules/present": { version: "1.0.0", optional: true, ...here },
    "node_modules/other-os": { version: "1.0.0", optional: true, os: ["aix"], cpu: [process.arch] },
    "node_modules/other-cpu": { version: "1.0.0", optional: true, os: [process.platform], cpu: ["s390x"] },
    "node_modules/not-optional": { version: "1.0.0", ...here },
    "node_modules/any-platform": { version: "1.0.0", optional: true },
  });
  expect(missingNativeOptionals(root).map((pkg) => pkg.name)).toEqual(["native-here"]);
});

test("unpacks a missing package whose tarball matches the lock", () => {
  const packed = tarball(root, "native-here");
  writeLock({ "node_modules/@scope/native-here": { version: "1.0.0", optional: true, integrity: packed.integrity, ...here } });
  const lines: string[] = [];
  const specs: string[] = [];
  const installed = ensureNativeOptionals(root, {
    log: (line) => lines.push(line),
    pack: (spec, dir) => {
      specs.push(spec);
      const copy = path.join(dir, "copy.tgz");
      writeFileSync(copy, readFileSync(packed.file));
      return copy;
    },
  });
  expect(specs).toEqual(["@scope/native-here@1.0.0"]);
  expect(installed).toEqual(["@scope/native-here"]);
  expect(JSON.parse(readFileSync(path.join(root, "node_modules", "@scope", "native-here", "package.json"), "utf8"))).toEqual({ name: "native-here", version: "1.0.0" });
  expect(lines).toEqual([expect.stringContaining("installed @scope/native-here@1.0.0")]);
  expect(missingNativeOptionals(root)).toEqual([]);
});

test("refuses a tarball that does not match the lock's integrity, and installs nothing", () => {
  const packed = tarball(root, "native-here");
  writeLock({ "node_modules/native-here": { version: "1.0.0", optional: true, integrity: `sha512-${"A".repeat(86)}==`, ...here } });
  expect(() => ensureNativeOptionals(root, { log: () => undefined, pack: () => packed.file })).toThrow(/does not match package-lock.json's integrity/);
  expect(existsSync(path.join(root, "node_modules", "native-here"))).toBe(false);
});
