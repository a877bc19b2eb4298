/** Every size, count and time limit of the Convex API in one place (docs/convex-api.md "Limits" lists them). */

/** A pairing code is claimable for 5 minutes. */
export const PAIRING_TTL_MS = 5 * 60_000;
/** A relay that sent no heartbeat for this long is shown offline. */
export const OFFLINE_AFTER_MS = 90_000;

/** Failed claims allowed per client address and window before `RATE_LIMITED`. */
export const CLAIM_FAILURE_LIMIT = 10;
export const CLAIM_FAILURE_WINDOW_MS = 15 * 60_000;
/** Active devices per instance; keeps `reset` (which revokes them all in one transaction) bounded. */
export const MAX_ACTIVE_DEVICES = 20;

/** Message text, measured in UTF-8 bytes (the relay truncates longer transcript text before sending). */
export const MAX_TEXT_BYTES = 64 * 1024;
export const MAX_NAME_CHARS = 100;
export const MAX_PLATFORM_CHARS = 32;
export const MAX_SESSION_KEY_CHARS = 200;
/** clientMessageId, gatewayMessageId, runId. */
export const MAX_ID_CHARS = 200;
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;
/** Failure reasons, stream errors, gateway errors. */
export const MAX_REASON_CHARS = 1000;
export const MAX_TITLE_CHARS = 500;
export const MAX_PREVIEW_CHARS = 1000;
export const MAX_MODEL_CHARS = 200;
export const MAX_SESSION_STATUS_CHARS = 64;
export const MAX_VERSION_CHARS = 64;
export const MAX_CURSOR_CHARS = 1024;

/** App pages (sessions, messages) never hold more rows than this. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PENDING_LIMIT = 100;
export const MAX_PENDING_LIMIT = 500;
export const MAX_ABORT_REQUESTS = 100;
/** Streaming rows one `closeOrphanedStreams` call looks at, and the keep-lists it accepts. */
export const MAX_ORPHAN_SCAN = 200;
export const MAX_KEEP_LIST = 1000;
export const MAX_INGEST_BATCH = 100;
export const MAX_SESSIONS_BATCH = 200;
export const MAX_SESSION_CURSORS = 500;
/** Newest rows of a session an ingest looks at to move rows still waiting for their transcript position. */
export const MAX_ORDER_SCAN = 150;
