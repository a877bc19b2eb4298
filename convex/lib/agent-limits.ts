/** Limits of the agent-state and cron API (docs/convex-api.md "Agent, health, skills" and "Cron"). */

/** Agents whose identity one instance reports. */
export const MAX_AGENTS = 50;
/** Linked channels in one health report. */
export const MAX_CHANNELS = 100;
/** Skills in the inventory (OpenClaw bundles about 60). */
export const MAX_SKILLS = 500;
/** Skill descriptions and channel errors; the relay clips longer ones before writing. */
export const MAX_DESCRIPTION_CHARS = 300;
/** Agent names, skill names, channel ids and labels, agent ids. */
export const MAX_LABEL_CHARS = 200;
/** Emoji or short avatar text (an avatar image or URL is not synced). */
export const MAX_EMOJI_CHARS = 16;
/** Cron jobs one instance lists. */
export const MAX_CRON_JOBS = 200;
/** Cron job ids, names, schedules as text, run ids. */
export const MAX_CRON_FIELD_CHARS = 200;
/** App cron requests the relay sees at once; more wait their turn. */
export const MAX_PENDING_CRON_REQUESTS = 50;
/** An app's request id (`requestId`), like `clientMessageId`. */
export const MAX_REQUEST_ID_CHARS = 200;
/** Cron requests one device may make: 20 at once, then one every 3 s. */
export const CRON_REQUEST_RATE = { burst: 20, perMs: 60_000 } as const;
/** Finished cron requests are kept this long for the app to read their outcome, then deleted. */
export const CRON_REQUEST_RETENTION_MS = 24 * 60 * 60_000;
/** Old finished requests one new request deletes, so the table stays bounded without a scheduled sweep. */
export const CRON_REQUEST_PRUNE_BATCH = 10;
