/** The Convex functions the page calls, and the row types they return. */
import { anyApi, type ApiFromModules, type FunctionReturnType } from "convex/server";
import type * as agent from "../../convex/agent.js";
import type * as app from "../../convex/app.js";
import type * as cron from "../../convex/cron.js";
import type * as files from "../../convex/files.js";
import type * as pairing from "../../convex/pairing.js";

/**
 * The same references `convex/_generated/api` exports (its runtime value is `anyApi` too), typed from
 * the two modules the page calls: the generated type pulls in every module, server-only ones (HTTP
 * actions, Node's `process`) included, which the browser build must not type against.
 */
export const api = anyApi as unknown as ApiFromModules<{ app: typeof app; pairing: typeof pairing; agent: typeof agent; cron: typeof cron; files: typeof files }>;
export type AppStatus = FunctionReturnType<typeof api.app.status>;
export type MessagePage = FunctionReturnType<typeof api.app.listMessages>;
export type MessageRow = MessagePage["page"][number];
export type SessionRow = FunctionReturnType<typeof api.app.listSessions>["page"][number];
export type AgentState = FunctionReturnType<typeof api.agent.state>;
export type CronJobRow = FunctionReturnType<typeof api.cron.jobs>[number];
