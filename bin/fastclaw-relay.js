#!/usr/bin/env node
// Entry point of the fastclaw-relay command: everything lives in the compiled CLI.
import { main } from "../dist/src/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`fastclaw-relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
