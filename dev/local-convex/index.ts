/** Public entry of the local Convex-compatible server (in-memory, loopback, for tests and local development). */
export { startLocalConvex, type LocalConvexOptions, type LocalConvexServer } from "./server.js";
export type { LocalConvexStats } from "./stats.js";
export type { LocalConvexHooks } from "./sync-session.js";
export type { LocalConvexLogger } from "./local-logger.js";
export type { ModuleMap, AnySchema } from "./module-loader.js";
