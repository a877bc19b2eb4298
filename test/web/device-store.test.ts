/** The page's own record of paired relays, its device tokens, and how failures are worded. */
import { ConvexError } from "convex/values";
import { DeviceStore, newDeviceToken, type PairedInstance } from "../../web/src/device-store.js";
import { describeFailure, NoAnswerError, withDeadline } from "../../web/src/errors.js";

/** localStorage's interface over a Map (the page itself runs on the browser's). */
class MemoryStorage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

const instance = (n: number): PairedInstance => ({ localId: `d${n}`, deviceToken: `token-${n}`, instanceName: `relay ${n}`, pairedAt: n });

test("device tokens are 32 random bytes, base64url, and differ every time", () => {
  const a = newDeviceToken();
  expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(newDeviceToken()).not.toBe(a);
  expect(newDeviceToken((bytes) => bytes.fill(255))).toBe("_".repeat(42) + "8");
});

test("pairing adds and activates a relay; unpairing one forgets only it; the last paired is the fallback", () => {
  const storage = new MemoryStorage();
  const store = new DeviceStore(storage);
  expect(store.active()).toBeUndefined();
  store.add(instance(1));
  store.add(instance(2));
  expect(store.list().map((i) => i.localId)).toEqual(["d1", "d2"]);
  expect(store.active()?.localId).toBe("d2");
  store.setActive("d1");
  expect(store.active()?.localId).toBe("d1");
  store.remove("d1");
  expect(store.list().map((i) => i.localId)).toEqual(["d2"]);
  expect(store.active()?.localId).toBe("d2");
  // Re-pairing the same device id replaces its entry instead of listing it twice.
  store.add({ ...instance(2), instanceName: "renamed" });
  expect(store.list()).toEqual([{ ...instance(2), instanceName: "renamed" }]);
});

test("a relay's content key is kept in its entry, next to the device token, and is removed with it", () => {
  const storage = new MemoryStorage();
  const store = new DeviceStore(storage);
  const key = "K".repeat(43);
  store.add({ ...instance(1), contentKey: key });
  store.add(instance(2));
  expect(store.list().find((i) => i.localId === "d1")?.contentKey).toBe(key);
  // Same storage item as the credential, nowhere else.
  expect(storage.length).toBe(2);
  expect(storage.getItem("fastclaw.instances.v1")).toContain(key);
  store.remove("d1");
  expect(JSON.stringify([...Array(storage.length).keys()].map((i) => storage.getItem(storage.key(i)!)))).not.toContain(key);
  // A key that is not a string makes the entry unreadable rather than trusted.
  storage.setItem("fastclaw.instances.v1", JSON.stringify([{ ...instance(4), contentKey: 5 }]));
  expect(store.list()).toEqual([]);
});

test("a corrupted or foreign value in storage reads as no relays, not a crash", () => {
  const storage = new MemoryStorage();
  storage.setItem("fastclaw.instances.v1", "{not json");
  expect(new DeviceStore(storage).list()).toEqual([]);
  storage.setItem("fastclaw.instances.v1", JSON.stringify([{ localId: 1 }, instance(3)]));
  expect(new DeviceStore(storage).list()).toEqual([instance(3)]);
});

test("every failure is worded once: pairing codes, rate limit, revoked device, offline, no answer", () => {
  const err = (code: string, extra: Record<string, unknown> = {}) => new ConvexError({ code, message: code, ...extra });
  expect(describeFailure(err("PAIRING_EXPIRED"), true)).toMatchObject({ kind: "expired", message: expect.stringMatching(/expired or was replaced/) });
  expect(describeFailure(err("PAIRING_ALREADY_CLAIMED"), true)).toMatchObject({ kind: "claimed" });
  expect(describeFailure(err("PAIRING_INVALID"), true)).toMatchObject({ kind: "invalid" });
  expect(describeFailure(err("RATE_LIMITED", { retryAfterMs: 125_000 }), true)).toMatchObject({ kind: "rate-limited", message: expect.stringMatching(/about 3 min/) });
  expect(describeFailure(err("UNAUTHORIZED"), true)).toMatchObject({ kind: "unauthorized" });
  expect(describeFailure(err("BAD_REQUEST"), true)).toMatchObject({ kind: "refused" });
  expect(describeFailure(err("PAIRING_EXPIRED"), false)).toMatchObject({ kind: "offline" });
  expect(describeFailure(new NoAnswerError("x"), true)).toMatchObject({ kind: "unreachable", message: expect.stringMatching(/does not answer/) });
  expect(describeFailure(new Error("socket closed"), true)).toMatchObject({ kind: "unreachable" });
});

test("withDeadline gives up with NoAnswerError, and passes answers and errors through", async () => {
  await expect(withDeadline(new Promise(() => {}), 20)).rejects.toBeInstanceOf(NoAnswerError);
  await expect(withDeadline(Promise.resolve(7), 1000)).resolves.toBe(7);
  await expect(withDeadline(Promise.reject(new Error("no")), 1000)).rejects.toThrow("no");
});
