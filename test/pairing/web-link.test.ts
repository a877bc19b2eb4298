/** The web app's pairing link: built as documented, read by a table of fields that tolerates unknown ones. */
import { buildWebPairingUrl, isWebPairingUrl, parsePairingFragment, parseWebPairingUrl, WebLinkError } from "../../src/pairing/web-link.js";

const TOKEN = "A".repeat(20) + "b_-".repeat(8);
const SITE = "https://happy-animal-123.convex.site";
const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

function failure(fn: () => unknown): WebLinkError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebLinkError) return error;
    throw error;
  }
  throw new Error("expected a WebLinkError");
}

test("builds <site>/pair#v=1&t=<token>&k=<content key>, and reads it back", () => {
  const url = buildWebPairingUrl(SITE, TOKEN, KEY);
  expect(url).toBe(`${SITE}/pair#v=1&t=${TOKEN}&k=${KEY}`);
  expect(buildWebPairingUrl(`${SITE}/`, TOKEN, KEY)).toBe(url);
  expect(isWebPairingUrl(url)).toBe(true);
  expect(parseWebPairingUrl(url)).toEqual({ siteOrigin: SITE, version: 1, token: TOKEN, contentKey: KEY });
  expect(parseWebPairingUrl(buildWebPairingUrl("http://127.0.0.1:3211", TOKEN, KEY)).siteOrigin).toBe("http://127.0.0.1:3211");
});

test("the fragment may come with or without '#', in any order, with fields this version does not know", () => {
  expect(parsePairingFragment(`#t=${TOKEN}&k=${KEY}&v=1`)).toEqual({ version: 1, token: TOKEN, contentKey: KEY });
  expect(parsePairingFragment(`v=1&x=some-future-field&k=${KEY}&t=${TOKEN}&`)).toEqual({ version: 1, token: TOKEN, contentKey: KEY });
  expect(parsePairingFragment(`v=%31&t=${TOKEN}&k=${KEY}`)).toEqual({ version: 1, token: TOKEN, contentKey: KEY });
});

test.each([
  ["", /no "v"/],
  [`t=${TOKEN}`, /no "v"/],
  ["v=1", /no "t"/],
  [`v=1&t=${TOKEN}`, /no "k"/],
  [`v=1&t=${TOKEN}&k=${KEY.slice(1)}`, /no valid content key/],
  [`v=1&t=${TOKEN}&k=${KEY}&k=${KEY}`, /"k" twice/],
  [`v=2&t=${TOKEN}`, /unsupported pairing link version "2"/],
  ["v=1&t=short", /no valid token/],
  [`v=1&t=${TOKEN}!`, /no valid token/],
  [`v=1&t=${TOKEN}&t=${TOKEN}`, /"t" twice/],
  [`v=1&t=%E0%A4%A`, /not valid percent-encoding/],
])("rejects the fragment %j without echoing the token", (fragment, message) => {
  const error = failure(() => parsePairingFragment(fragment));
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toContain(KEY.slice(1));
});

test("only http(s) URLs with a token in the fragment are web links", () => {
  expect(isWebPairingUrl(`fastclaw://pair?v=1&t=${TOKEN}`)).toBe(false);
  expect(isWebPairingUrl(`${SITE}/pair?v=1&t=${TOKEN}`)).toBe(false);
  expect(isWebPairingUrl(TOKEN)).toBe(false);
  expect(failure(() => parseWebPairingUrl(`ftp://x/pair#v=1&t=${TOKEN}`)).message).toMatch(/not a FastClaw pairing link/);
});
