/** Unit tests: wire encoding of timestamps, validation of client frames, udf paths, JWT → identity. */
import { Base64 } from "convex/values";
import { AuthenticationError, identityFromJwt } from "../../dev/local-convex/caller-auth.js";
import {
  canonicalizeUdfPath,
  decodeTs,
  encodeServerMessage,
  encodeTs,
  parseClientMessage,
  ProtocolError,
} from "../../dev/local-convex/sync-protocol.js";
import { makeJwt } from "./helpers.js";

test("timestamps are u64 little-endian, base64: what the client's Long.fromBytesLE reads", () => {
  expect(encodeTs(1n)).toBe("AQAAAAAAAAA=");
  const ts = 1_763_712_000_123_456_789n;
  expect(Array.from(Base64.toByteArray(encodeTs(ts)))).toEqual(
    Array.from({ length: 8 }, (_, i) => Number((ts >> BigInt(8 * i)) & 0xffn)),
  );
  expect(decodeTs(encodeTs(ts))).toBe(ts);
  expect(() => decodeTs("AQ==")).toThrow(ProtocolError);
});

test("server messages encode their versions' and mutation responses' timestamps", () => {
  const transition = JSON.parse(
    encodeServerMessage({
      type: "Transition",
      startVersion: { querySet: 0, ts: 0n, identity: 0 },
      endVersion: { querySet: 1, ts: 1n, identity: 0 },
      modifications: [],
    }),
  );
  expect(transition.endVersion).toEqual({ querySet: 1, ts: "AQAAAAAAAAA=", identity: 0 });
  const response = JSON.parse(
    encodeServerMessage({ type: "MutationResponse", requestId: 3, success: true, result: null, ts: 1n, logLines: [] }),
  );
  expect(response.ts).toBe("AQAAAAAAAAA=");
});

test("client frames are validated", () => {
  expect(parseClientMessage(JSON.stringify({ type: "Connect", sessionId: "s", connectionCount: 0, lastCloseReason: null }))).toMatchObject({
    type: "Connect",
    sessionId: "s",
  });
  const modify = parseClientMessage(
    JSON.stringify({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "m:f", args: [{}] }, { type: "Remove", queryId: 2 }],
    }),
  );
  expect(modify).toMatchObject({ modifications: [{ type: "Add", journal: null }, { type: "Remove", queryId: 2 }] });
  for (const bad of [
    "{",
    "[]",
    JSON.stringify({ type: "Mutation", requestId: -1, udfPath: "m:f", args: [] }),
    JSON.stringify({ type: "Mutation", requestId: 1, udfPath: "m:f", args: {} }),
    JSON.stringify({ type: "Authenticate", tokenType: "Magic", baseVersion: 0 }),
    JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Swap" }] }),
  ]) {
    expect(() => parseClientMessage(bad)).toThrow(ProtocolError);
  }
});

test("udf paths are canonicalized like the client does", () => {
  expect(canonicalizeUdfPath("messages")).toBe("messages:default");
  expect(canonicalizeUdfPath("dir/messages.js:list")).toBe("dir/messages:list");
  expect(canonicalizeUdfPath("messages:list")).toBe("messages:list");
});

test("a JWT's claims become the UserIdentity functions see; bad or expired tokens are refused", () => {
  const identity = identityFromJwt(makeJwt("u1", { name: "U One", email: "u1@example.test", custom_role: "admin" }));
  expect(identity).toMatchObject({
    subject: "u1",
    issuer: "https://auth.test",
    tokenIdentifier: "https://auth.test|u1",
    name: "U One",
    email: "u1@example.test",
    custom_role: "admin",
  });
  expect(identity).not.toHaveProperty("exp");
  expect(() => identityFromJwt("abc")).toThrow(AuthenticationError);
  expect(() => identityFromJwt(makeJwt("u2", { exp: 1 }))).toThrow(/expired/);
  expect(() => identityFromJwt(makeJwt("u3", { sub: undefined }))).toThrow(/sub/);
});
