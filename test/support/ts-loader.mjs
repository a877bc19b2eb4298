// `node --import ./test/support/ts-loader.mjs script.ts`: run repo TypeScript in a child process.
import { register } from "node:module";

register(new URL("./ts-resolve-hooks.mjs", import.meta.url));
