/** The web app's pairing link: built as documented, read by a table of fields that tolerates unknown ones. */
import { buildWebPairingUrl, isWebPairingUrl, parsePairingFragment, parseWebPairingUrl, WebLinkError } from "../../src/pairing/web-link.js";

const TOKEN = "A".repeat(20) + "b_-".repeat(8);
const SITE = "https://happy-animal-123.convex.site";

function failure(fn: () => unknown): WebLinkError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebLinkError) return error;
    throw error;
  }
  throw new Error("expected a WebLinkError");
}

test("builds <site>/pair#v=1&t=<token>, and reads it back", () => {
  const url = buildWebPairingUrl(SITE, TOKEN);
  expect(url).toBe(`${SITE}/pair#v=1&t=${TOKEN}`);
  expect(buildWebPairingUrl(`${SITE}/`, TOKEN)).toBe(url);
  expect(isWebPairingUrl(url)).toBe(true);
  expect(parseWebPairingUrl(url)).toEqual({ siteOrigin: SITE, version: 1, token: TOKEN });
  expect(parseWebPairingUrl(buildWebPairingUrl("http://127.0.0.1:3211", TOKEN)).siteOrigin).toBe("http://127.0.0.1:3211");
});

test("the fragment may come with or without '#', in any order, with fields this version does not know", () => {
  expect(parsePairingFragment(`#t=${TOKEN}&v=1`)).toEqual({ version: 1, token: TOKEN });
  expect(parsePairingFragment(`v=1&k=some-future-key&t=${TOKEN}&`)).toEqual({ version: 1, token: TOKEN });
  expect(parsePairingFragment(`v=%31&t=${TOKEN}`)).toEqual({ version: 1, token: TOKEN });
});

test.each([
  ["", /no "v"/],
  [`t=${TOKEN}`, /no "v"/],
  ["v=1", /no "t"/],
  [`v=2&t=${TOKEN}`, /unsupported pairing link version "2"/],
  ["v=1&t=short", /no valid token/],
  [`v=1&t=${TOKEN}!`, /no valid token/],
  [`v=1&t=${TOKEN}&t=${TOKEN}`, /"t" twice/],
  [`v=1&t=%E0%A4%A`, /not valid percent-encoding/],
])("rejects the fragment %j without echoing the token", (fragment, message) => {
  const error = failure(() => parsePairingFragment(fragment));
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(TOKEN);
});

test("only http(s) URLs with a token in the fragment are web links", () => {
  expect(isWebPairingUrl(`fastclaw://pair?v=1&t=${TOKEN}`)).toBe(false);
  expect(isWebPairingUrl(`${SITE}/pair?v=1&t=${TOKEN}`)).toBe(false);
  expect(isWebPairingUrl(TOKEN)).toBe(false);
  expect(failure(() => parseWebPairingUrl(`ftp://x/pair#v=1&t=${TOKEN}`)).message).toMatch(/not a FastClaw pairing link/);
});
