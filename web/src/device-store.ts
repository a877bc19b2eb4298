/**
 * The paired relays of this browser: device tokens and the relays' content keys live in localStorage
 * only, never in a URL or on a server; a relay's key is kept in its entry and goes when the entry goes.
 */

export interface PairedInstance {
  /** A random id made in this browser at pairing: the entry's key (Convex never tells the device its id). */
  localId: string;
  deviceToken: string;
  /**
   * The relay's content key (base64url, from the pairing link's fragment): it decrypts what the relay
   * and its devices write. Absent on an entry paired before encryption: its rows show as undecryptable.
   */
  contentKey?: string;
  instanceName: string;
  pairedAt: number;
}

const KEY = "fastclaw.instances.v1";
const ACTIVE_KEY = "fastclaw.active.v1";

/** 32 random bytes from the browser's CSPRNG, base64url: the device's credential (Convex sees its hash). */
export function newDeviceToken(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function isInstance(value: unknown): value is PairedInstance {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.localId === "string" &&
    typeof v.deviceToken === "string" &&
    (v.contentKey === undefined || typeof v.contentKey === "string") &&
    typeof v.instanceName === "string" &&
    typeof v.pairedAt === "number"
  );
}

export class DeviceStore {
  constructor(private readonly storage: Storage) {}

  list(): PairedInstance[] {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(KEY) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter(isInstance) : [];
    } catch {
      return [];
    }
  }

  add(instance: PairedInstance): void {
    const rest = this.list().filter((i) => i.localId !== instance.localId);
    this.storage.setItem(KEY, JSON.stringify([...rest, instance]));
    this.setActive(instance.localId);
  }

  remove(localId: string): void {
    this.storage.setItem(KEY, JSON.stringify(this.list().filter((i) => i.localId !== localId)));
    if (this.storage.getItem(ACTIVE_KEY) === localId) this.storage.removeItem(ACTIVE_KEY);
  }

  active(): PairedInstance | undefined {
    const list = this.list();
    const id = this.storage.getItem(ACTIVE_KEY);
    return list.find((i) => i.localId === id) ?? list[list.length - 1];
  }

  setActive(localId: string): void {
    this.storage.setItem(ACTIVE_KEY, localId);
  }
}
