// Installs the platform packages npm skipped: `npm ci` runs on the machine's Node (20 on a fresh machine),
// and npm leaves out an optional dependency whose `engines` that Node does not meet, even though the
// scripts run on the devDependency Node 24 that does. The real Gateway needs one of them
// (@openclaw/fs-safe-<platform>) to store files attached to replies.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** glibc or musl, as npm's `libc` field names them; undefined off Linux. */
function libc() {
  if (process.platform !== "linux") return undefined;
  const header = process.report?.getReport().header;
  return header && "glibcVersionRuntime" in header ? "glibc" : "musl";
}

const fits = (list, value) => !Array.isArray(list) || list.includes(value);

/** Optional packages of package-lock.json meant for this platform that are not in node_modules. */
export function missingNativeOptionals(root) {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const missing = [];
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    if (!where.startsWith("node_modules/") || !entry.optional || !entry.version) continue;
    if (!Array.isArray(entry.os) && !Array.isArray(entry.cpu)) continue;
    if (!fits(entry.os, process.platform) || !fits(entry.cpu, process.arch)) continue;
    if (entry.libc !== undefined && !fits(entry.libc, libc())) continue;
    if (existsSync(path.join(root, where, "package.json"))) continue;
    const name = where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length);
    missing.push({ where, name, version: entry.version, integrity: entry.integrity });
  }
  return missing;
}

/** `npm pack name@version` into `dir`; returns the tarball's path. */
function npmPack(spec, dir) {
  const args = ["pack", spec, "--pack-destination", dir, "--silent"];
  // Through the npm that runs this script, when there is one, so its registry settings apply.
  const npm = process.env.npm_execpath
    ? spawnSync(process.execPath, [process.env.npm_execpath, ...args], { cwd: dir, encoding: "utf8" })
    : spawnSync("npm", args, { cwd: dir, encoding: "utf8" });
  if (npm.status !== 0) throw new Error(`npm pack ${spec} failed: ${(npm.stderr ?? "").trim()}`);
  const tarball = readdirSync(dir).find((file) => file.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${spec} wrote no tarball`);
  return path.join(dir, tarball);
}

/** Fetches each missing package (checked against the lock's integrity) and unpacks it in place. */
export function ensureNativeOptionals(root, { log = console.log, pack = npmPack } = {}) {
  const missing = missingNativeOptionals(root);
  if (missing.length === 0) return [];
  const scratch = mkdtempSync(path.join(os.tmpdir(), "fastclaw-native-"));
  try {
    for (const pkg of missing) {
      const dir = mkdtempSync(path.join(scratch, "pack-"));
      const file = pack(`${pkg.name}@${pkg.version}`, dir);
      if (pkg.integrity) {
        const [algorithm, expected] = pkg.integrity.split("-", 2);
        const actual = createHash(algorithm).update(readFileSync(file)).digest("base64");
        if (actual !== expected) throw new Error(`${pkg.name}@${pkg.version}: the tarball does not match package-lock.json's integrity`);
      }
      const dest = path.join(root, pkg.where);
      mkdirSync(dest, { recursive: true });
      const tar = spawnSync("tar", ["-xzf", file, "-C", dest, "--strip-components=1"], { encoding: "utf8" });
      if (tar.status !== 0) {
        rmSync(dest, { recursive: true, force: true });
        throw new Error(`unpacking ${pkg.name}@${pkg.version} failed: ${tar.stderr.trim()}`);
      }
      log(`installed ${pkg.name}@${pkg.version}, which npm had skipped (its engines need a newer Node than the one npm ran on)`);
    }
    return missing.map((pkg) => pkg.name);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
