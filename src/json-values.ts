/** Typed reads of untrusted parsed JSON (Gateway payloads, pairing links): the value when it has the wanted type, else undefined. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

export const nonEmptyStr = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);

/** A finite number: NaN and the infinities, which JSON can't carry anyway, count as absent. */
export const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
