/** Every size, count and time limit of the Convex API in one place (docs/convex-api.md "Limits" lists them). */

/** A pairing code is claimable for 5 minutes. */
export const PAIRING_TTL_MS = 5 * 60_000;
/** A relay that sent no heartbeat for this long is shown offline. */
export const OFFLINE_AFTER_MS = 90_000;

/** Failed claims allowed per client address and window before `RATE_LIMITED` (a valid claim is never refused). */
export const CLAIM_FAILURE_LIMIT = 10;
export const CLAIM_FAILURE_WINDOW_MS = 15 * 60_000;
/** IPv6 clients are bucketed by their /64 (one household or host gets a whole /64 to pick addresses from). */
export const IPV6_BUCKET_PREFIX_GROUPS = 4;
/** Active devices per instance; keeps `reset` (which revokes them all in one transaction) bounded. */
export const MAX_ACTIVE_DEVICES = 20;

/** Message text, measured in UTF-8 bytes of plaintext (the relay truncates longer transcript text before sealing it). */
export const MAX_TEXT_BYTES = 64 * 1024;

/**
 * The longest `fc1` envelope (docs/convex-api.md "End-to-end encryption") of `plainBytes` UTF-8 bytes:
 * `fc1.` + kid (11) + `.` + nonce (16) + `.` + base64url of ciphertext and 16-byte tag. Convex sees only
 * envelopes, so every plaintext limit is checked on this size.
 */
export function sealedLength(plainBytes: number): number {
  return 33 + Math.ceil(((plainBytes + 16) * 4) / 3);
}
/** A UTF-16 code unit is at most 3 UTF-8 bytes: the envelope of a string of at most `chars` characters. */
export function sealedCharsLimit(chars: number): number {
  return sealedLength(chars * 3);
}
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

/* What Convex accepts for the sealed forms of the plaintext limits above (the relay clips plaintext to those). */
export const MAX_SEALED_TEXT_CHARS = sealedLength(MAX_TEXT_BYTES);
export const MAX_SEALED_REASON_CHARS = sealedCharsLimit(MAX_REASON_CHARS);
export const MAX_SEALED_TITLE_CHARS = sealedCharsLimit(MAX_TITLE_CHARS);
export const MAX_SEALED_PREVIEW_CHARS = sealedCharsLimit(MAX_PREVIEW_CHARS);
export const MAX_SEALED_MODEL_CHARS = sealedCharsLimit(MAX_MODEL_CHARS);
export const MAX_SEALED_SESSION_KEY_CHARS = sealedCharsLimit(MAX_SESSION_KEY_CHARS);

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

/*
 * Abuse limits (docs/convex-api.md "Registration and quotas"). Rates are token buckets: `burst` calls at once,
 * refilled evenly over `perMs`. Defaults suit one person and their family; each can be changed per deployment
 * with the Convex environment variable named next to it (`npx convex env set NAME value`, see ./settings.ts).
 */
export type Rate = { burst: number; perMs: number };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Messages one device may send: 30 at once, then one every 2 s (FASTCLAW_DEVICE_SENDS_PER_MINUTE). */
export const DEVICE_SEND_RATE: Rate = { burst: 30, perMs: MINUTE };
/** Pairing codes one instance may make: 20 an hour, enough to pair every device it may have (FASTCLAW_PAIRING_CODES_PER_HOUR). */
export const PAIRING_CODE_RATE: Rate = { burst: 20, perMs: HOUR };
/** Open registration only: new instances per client address (FASTCLAW_REGISTRATIONS_PER_ADDRESS_PER_HOUR)… */
export const REGISTRATION_RATE_PER_ADDRESS: Rate = { burst: 3, perMs: HOUR };
/** …and per deployment, whatever the address (FASTCLAW_REGISTRATIONS_PER_HOUR). */
export const REGISTRATION_RATE_TOTAL: Rate = { burst: 30, perMs: HOUR };

/** Rows (messages + sessions) one instance may store (FASTCLAW_MAX_ROWS_PER_INSTANCE). */
export const MAX_ROWS_PER_INSTANCE = 250_000;
/** UTF-8 bytes of message text one instance may store: 256 MiB (FASTCLAW_MAX_BYTES_PER_INSTANCE). */
export const MAX_BYTES_PER_INSTANCE = 256 * 1024 * 1024;

/** A registration key shorter than this is refused: it must not be guessable. */
export const MIN_REGISTRATION_KEY_CHARS = 32;
export const MAX_REGISTRATION_KEY_CHARS = 256;
/** Newest rows of a session an ingest looks at to move rows still waiting for their transcript position. */
export const MAX_ORDER_SCAN = 150;

/*
 * Files (docs/convex-api.md "Files"). Every stored file is an `fcf1` ciphertext sealed by the client: its plaintext
 * plus FILE_ENVELOPE_OVERHEAD bytes (magic 4, kid 11, nonce 12, tag 16), so each plaintext limit is checked on that size.
 */
export const FILE_ENVELOPE_OVERHEAD = 43;
export function sealedFileBytes(plainBytes: number): number {
  return plainBytes + FILE_ENVELOPE_OVERHEAD;
}
/** What a device may attach until the relay publishes the Gateway's `policy.attachments` (`files.setPolicy`). */
export const DEFAULT_FILE_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** The most any published policy may allow, and the cap on agent media the relay stores. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
export const MAX_FILES_PER_MESSAGE = 8;
/** A declared MIME type, and a file name (sealed, so its envelope is checked). */
export const MAX_FILE_TYPE_CHARS = 100;
export const MAX_FILE_NAME_CHARS = 255;
/** How long a stored file is kept after it is attached, unless the relay sets the instance's own period. */
export const DEFAULT_FILE_RETENTION_MS = 30 * 24 * 60 * 60_000;
export const MIN_FILE_RETENTION_MS = 60 * 60_000;
export const MAX_FILE_RETENTION_MS = 365 * 24 * 60 * 60_000;
/** An upload must be attached within this time; later the sweep deletes it as an orphan (and attaching it fails). */
export const UPLOAD_ATTACH_WINDOW_MS = 60 * 60_000;
/** Expired files and orphan uploads one sweep deletes (the sweep runs again soon when it hit the batch). */
export const FILE_SWEEP_BATCH = 100;
export const FILE_SWEEP_INTERVAL_MS = 60 * 60_000;
/** Upload URLs one device (or relay) may ask for: 30 at once, refilled over a minute. */
export const UPLOAD_URL_RATE: Rate = { burst: 30, perMs: MINUTE };
/** Bytes of stored files one instance may hold: 2 GiB (FASTCLAW_MAX_FILE_BYTES_PER_INSTANCE). */
export const MAX_FILE_BYTES_PER_INSTANCE = 2 * 1024 * 1024 * 1024;
