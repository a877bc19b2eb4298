#!/usr/bin/env node
// Entry point of the fastclaw-relay command: checks the Node version, then hands over to the compiled CLI.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `fastclaw-relay: Node ${process.versions.node} is too old (${process.execPath}); it needs Node >= 22.19.\n` +
      "OpenClaw itself needs Node >= 24.16: run fastclaw-relay with the same Node as OpenClaw.\n",
  );
  process.exit(1);
}

const { main } = await import("../dist/src/cli/main.js");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`fastclaw-relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
