/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as agent from "../agent.js";
import type * as app from "../app.js";
import type * as cron from "../cron.js";
import type * as crons from "../crons.js";
import type * as files from "../files.js";
import type * as http from "../http.js";
import type * as instances from "../instances.js";
import type * as lib_agent_fields from "../lib/agent-fields.js";
import type * as lib_agent_limits from "../lib/agent-limits.js";
import type * as lib_auth from "../lib/auth.js";
import type * as lib_claim from "../lib/claim.js";
import type * as lib_deployment_urls from "../lib/deployment-urls.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_fields from "../lib/fields.js";
import type * as lib_file_types from "../lib/file-types.js";
import type * as lib_files from "../lib/files.js";
import type * as lib_limits from "../lib/limits.js";
import type * as lib_order from "../lib/order.js";
import type * as lib_presence from "../lib/presence.js";
import type * as lib_quota from "../lib/quota.js";
import type * as lib_ratelimit from "../lib/ratelimit.js";
import type * as lib_rows from "../lib/rows.js";
import type * as lib_run_id from "../lib/run-id.js";
import type * as lib_sessions from "../lib/sessions.js";
import type * as lib_settings from "../lib/settings.js";
import type * as lib_transcript from "../lib/transcript.js";
import type * as lib_validate from "../lib/validate.js";
import type * as lib_web_serve from "../lib/web-serve.js";
import type * as pairing from "../pairing.js";
import type * as relay from "../relay.js";
import type * as web from "../web.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  agent: typeof agent;
  app: typeof app;
  cron: typeof cron;
  crons: typeof crons;
  files: typeof files;
  http: typeof http;
  instances: typeof instances;
  "lib/agent-fields": typeof lib_agent_fields;
  "lib/agent-limits": typeof lib_agent_limits;
  "lib/auth": typeof lib_auth;
  "lib/claim": typeof lib_claim;
  "lib/deployment-urls": typeof lib_deployment_urls;
  "lib/errors": typeof lib_errors;
  "lib/fields": typeof lib_fields;
  "lib/file-types": typeof lib_file_types;
  "lib/files": typeof lib_files;
  "lib/limits": typeof lib_limits;
  "lib/order": typeof lib_order;
  "lib/presence": typeof lib_presence;
  "lib/quota": typeof lib_quota;
  "lib/ratelimit": typeof lib_ratelimit;
  "lib/rows": typeof lib_rows;
  "lib/run-id": typeof lib_run_id;
  "lib/sessions": typeof lib_sessions;
  "lib/settings": typeof lib_settings;
  "lib/transcript": typeof lib_transcript;
  "lib/validate": typeof lib_validate;
  "lib/web-serve": typeof lib_web_serve;
  pairing: typeof pairing;
  relay: typeof relay;
  web: typeof web;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
