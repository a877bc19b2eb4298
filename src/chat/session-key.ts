/** Session keys as the Gateway stores them: a bare name like `main` means `agent:main:main`. */

export const DEFAULT_SESSION = "agent:main:main";

/**
 * The Gateway canonicalises `main` to `agent:main:main` and moves the app's row to that key once the
 * transcript echoes it; watching the canonical key from the start keeps the row in view.
 * Keys that already name an agent (or any other colon-delimited key) are used as given.
 */
export function canonicalSessionKey(key: string | undefined): string {
  const trimmed = (key ?? "").trim();
  if (trimmed.length === 0) return DEFAULT_SESSION;
  if (trimmed.includes(":")) return trimmed;
  return `agent:main:${trimmed}`;
}
