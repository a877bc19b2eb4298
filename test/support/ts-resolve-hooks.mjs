// Module resolve hook: a relative "./x.js" import resolves to "./x.ts" when only the .ts file exists.
// Node >=24 strips the types itself, so plain node (a child process, or jest's globalSetup, which
// jest loads with a native import) can run this repo's TypeScript without a build.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function resolve(specifier, context, next) {
  if ((specifier.startsWith("./") || specifier.startsWith("../")) && specifier.endsWith(".js") && context.parentURL?.startsWith("file:")) {
    const js = new URL(specifier, context.parentURL);
    const ts = new URL(specifier.slice(0, -3) + ".ts", context.parentURL);
    if (!existsSync(fileURLToPath(js)) && existsSync(fileURLToPath(ts))) return next(ts.href, context);
  }
  return next(specifier, context);
}
