/** Pairing payloads: the fastclaw:// link, JSON events holding it, bare tokens; every malformed form says what is wrong. */
import { ChatError } from "../../src/chat/chat-error.js";
import { parsePairingPayload, resolvePairingPayload } from "../../src/chat/pair-payload.js";
import { buildPairingPayload } from "../../src/pairing/payload.js";

const TOKEN = "A".repeat(20) + "b_-".repeat(8);
const URL_ = "http://127.0.0.1:3210";
const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/** A fastclaw:// link; the content key is added unless the case is about it. */
const link = (params: string) => `fastclaw://pair?${params}${params.includes("k=") ? "" : `&k=${KEY}`}`;

function failure(fn: () => unknown): ChatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChatError) return error;
    throw error;
  }
  throw new Error("expected a ChatError");
}

test("reads the QR link", () => {
  expect(parsePairingPayload(link(`v=1&u=${encodeURIComponent(URL_)}&t=${TOKEN}`))).toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
});

test("tolerates whitespace and a trailing slash on the URL", () => {
  expect(parsePairingPayload(`  ${link(`v=1&u=${encodeURIComponent("https://x.convex.cloud/")}&t=${TOKEN}`)}\n`)).toEqual({
    convexUrl: "https://x.convex.cloud",
    pairingToken: TOKEN,
    contentKey: KEY,
  });
});

test("reads the link the relay's own pairing code builds", () => {
  expect(parsePairingPayload(buildPairingPayload(URL_, TOKEN, KEY))).toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
});

test("finds the link anywhere in a JSON event (a line of `pair --json`)", () => {
  const line = JSON.stringify({ event: "code", code: { qr: link(`v=1&u=${encodeURIComponent(URL_)}&t=${TOKEN}`), expiresAt: 1 } });
  expect(parsePairingPayload(line)).toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
});

test("accepts JSON with convexUrl and token fields", () => {
  expect(parsePairingPayload(JSON.stringify({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY }))).toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
  expect(parsePairingPayload(JSON.stringify({ token: TOKEN, contentKey: KEY }), URL_)).toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
});

test("http:// is accepted to loopback only: 127.0.0.0/8, localhost, [::1]", () => {
  for (const url of ["http://127.0.0.1:3210", "http://127.8.9.10", "http://localhost:3210", "http://[::1]:3210", "https://x.convex.cloud"]) {
    expect(parsePairingPayload(buildPairingPayload(url, TOKEN, KEY))).toEqual({ convexUrl: url, pairingToken: TOKEN, contentKey: KEY });
  }
  expect(failure(() => parsePairingPayload(JSON.stringify({ token: TOKEN, contentKey: KEY }), "http://relay.lan:3210")).message).toMatch(/must use https:\/\//);
});

test("a bare token is refused: it carries no content key, so nothing could be read or sent", () => {
  expect(failure(() => parsePairingPayload(TOKEN, URL_)).message).toMatch(/carries no content key/);
  expect(failure(() => parsePairingPayload(TOKEN)).message).toMatch(/carries no content key/);
});

test.each([
  ["", /empty/],
  ["hello", /not a FastClaw pairing code/],
  [`https://example.com/pair?v=1&u=${URL_}&t=${TOKEN}`, /not a FastClaw pairing code/],
  [link(`v=2&u=${URL_}&t=${TOKEN}`), /unsupported pairing code version 2/],
  [link(`u=${URL_}&t=${TOKEN}`), /unsupported pairing code version \(none\)/],
  [link(`v=1&t=${TOKEN}`), /without a valid Convex URL/],
  [link(`v=1&u=${URL_}`), /without a valid token/],
  [link(`v=1&u=${URL_}&t=short`), /without a valid token/],
  [link(`v=1&u=ftp://x&t=${TOKEN}`), /without a valid Convex URL/],
  [JSON.stringify({ convexUrl: "ftp://x", token: TOKEN }), /must be an https:\/\/ URL/],
  [JSON.stringify({ convexUrl: "notaurl", token: TOKEN }), /is not a valid URL/],
  // Plain http only to loopback: a QR code must not send the token (and then every message) across a network in clear.
  [link(`v=1&u=${encodeURIComponent("http://evil.example:3210")}&t=${TOKEN}`), /must use https:\/\/ .*got host evil\.example/],
  [link(`v=1&u=${encodeURIComponent("http://192.168.1.20:3210")}&t=${TOKEN}`), /must use https:\/\//],
  [JSON.stringify({ convexUrl: "http://10.0.0.2:3210", token: TOKEN }), /must use https:\/\//],
  [JSON.stringify({ convexUrl: "http://127.0.0.1.evil.example", token: TOKEN }), /must use https:\/\//],
  [JSON.stringify({ convexUrl: URL_, token: "short" }), /no valid token/],
  ["{broken", /does not parse/],
  [JSON.stringify({ event: "registered" }), /holds no pairing link/],
  [JSON.stringify({ token: TOKEN }), /no Convex URL/],
  [JSON.stringify({ convexUrl: URL_, token: TOKEN }), /no valid content key/],
  [link(`v=1&u=${URL_}&t=${TOKEN}&k=short`), /without a valid content key/],
  [`fastclaw://pair?v=1&u=${URL_}&t=${TOKEN}`, /without a valid content key/],
])("rejects %j", (input, message) => {
  const error = failure(() => parsePairingPayload(input));
  expect(error.code).toBe("BAD_PAYLOAD");
  expect(error.message).toMatch(message);
  // The token is a credential and the key opens everything: neither is echoed back.
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toContain(KEY);
});

describe("the web app's link (https://<site>/pair#v=1&t=…)", () => {
  const SITE = "http://127.0.0.1:3211";
  const web = `${SITE}/pair#v=1&t=${TOKEN}&k=${KEY}`;
  const answering = (status: number, body: unknown) => async (url: string) => {
    seen.push(url);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  let seen: string[] = [];
  beforeEach(() => (seen = []));

  test("the site's /app-config.json names the deployment; the link itself holds none", async () => {
    await expect(resolvePairingPayload(`  ${web}\n`, undefined, 5000, answering(200, { convexUrl: URL_ }))).resolves.toEqual({
      convexUrl: URL_,
      pairingToken: TOKEN,
      contentKey: KEY,
    });
    expect(seen).toEqual([`${SITE}/app-config.json`]);
  });

  test("a JSON line of `pair --json` with both forms needs no network: the fastclaw:// link wins", async () => {
    const line = JSON.stringify({ event: "pairing", payload: buildPairingPayload(URL_, TOKEN, KEY), webUrl: web });
    await expect(resolvePairingPayload(line, undefined, 5000, answering(500, {}))).resolves.toEqual({ convexUrl: URL_, pairingToken: TOKEN, contentKey: KEY });
    expect(seen).toEqual([]);
    await expect(resolvePairingPayload(JSON.stringify({ webUrl: web }), undefined, 5000, answering(200, { convexUrl: URL_ }))).resolves.toEqual({
      convexUrl: URL_,
      pairingToken: TOKEN,
      contentKey: KEY,
    });
  });

  test("failures say what went wrong, never with the token", async () => {
    const cases: Array<[string, Parameters<typeof resolvePairingPayload>[3], string, RegExp]> = [
      [web, answering(404, { error: "nope" }), "PAIRING_FAILED", /did not give a Convex URL \(HTTP 404\)/],
      [web, answering(200, { convexUrl: "ftp://x" }), "BAD_PAYLOAD", /must be an https:\/\/ URL/],
      [web, async () => Promise.reject(new TypeError("fetch failed")), "UNREACHABLE", /cannot reach http:\/\/127\.0\.0\.1:3211\/app-config\.json/],
      [web, () => new Promise<Response>(() => undefined), "TIMEOUT", /no answer within 0 s/],
      [`${SITE}/pair#v=2&t=${TOKEN}`, answering(200, { convexUrl: URL_ }), "BAD_PAYLOAD", /unsupported pairing link version/],
    ];
    for (const [input, fetcher, code, message] of cases) {
      const error = await resolvePairingPayload(input, undefined, 200, fetcher).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ChatError);
      expect({ code: (error as ChatError).code, message: (error as ChatError).message }).toEqual({ code, message: expect.stringMatching(message) });
      expect((error as ChatError).message).not.toContain(TOKEN);
    }
  });

  test("the synchronous reader points to the resolving one for a web link", () => {
    expect(failure(() => parsePairingPayload(web)).message).toMatch(/web pairing link/);
  });
});
