/** The content keys one reader or writer holds: the current one seals, any of them opens (old rows keep their kid). */
// No Node imports: shared with the web app.
import { importContentKey, type ContentKey } from "./content-key.js";
import type { KeyLookup } from "./envelope.js";

export class KeyRing implements KeyLookup {
  private readonly keys = new Map<string, ContentKey>();

  private constructor(readonly current: ContentKey, older: readonly ContentKey[]) {
    for (const k of [current, ...older]) this.keys.set(k.kid, k);
  }

  /** The first key is the one that seals; the others only open rows written under them. */
  static async fromStored(current: string, older: readonly string[] = []): Promise<KeyRing> {
    return new KeyRing(await importContentKey(current), await Promise.all(older.map((text) => importContentKey(text))));
  }

  static of(current: ContentKey, older: readonly ContentKey[] = []): KeyRing {
    return new KeyRing(current, older);
  }

  byKid(kid: string): ContentKey | undefined {
    return this.keys.get(kid);
  }
}
