/** How the page shows a field it cannot decrypt: clearly marked, with what the user can do, never as text. */
import type { Opened, Unreadable } from "../opened.js";

const EXPLAIN: Record<Unreadable, string> = {
  "no-key": "This device was paired before encryption and has no key. Pair it again.",
  "other-key": "It was encrypted with a key this device doesn't have: written before this device was paired, or after the relay was reset (pair again to read new messages).",
  tampered: "It failed its integrity check: it was altered or moved in the database.",
};

/** The short label used where there is no room for the explanation (chat list, titles). */
export const UNREADABLE_LABEL = "Can't decrypt";

export function Sealed({ why }: { why: Unreadable }) {
  return (
    <p class="sealed" role="note">
      <span class="sealed-label">
        <span aria-hidden="true">⚠ </span>
        {UNREADABLE_LABEL} this message.
      </span>{" "}
      <span class="sealed-why">{EXPLAIN[why]}</span>
    </p>
  );
}

/** A short field (title, preview, key) as text: its plaintext, or the unreadable label. */
export function shownText(field: Opened | undefined): string | undefined {
  if (field === undefined) return undefined;
  return field.ok ? field.text : `${UNREADABLE_LABEL}`;
}

/** ": <reason>" after a failed/expired/error status, or nothing; a reason that can't be opened says so. */
export function reasonText(reason: Opened | undefined): string {
  if (reason === undefined) return "";
  return reason.ok ? (reason.text === "" ? "" : `: ${reason.text}`) : ` (${UNREADABLE_LABEL.toLowerCase()} the reason)`;
}
