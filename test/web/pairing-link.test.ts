/** What the page accepts as pairing data: its own link's fragment, or a pasted web link / fastclaw:// payload. */
import { parsePairingFragment, parsePastedLink } from "../../web/src/pairing-link.js";

const TOKEN = "t".repeat(43);
const KEY = "k".repeat(42) + "A";
const link = { pairingToken: TOKEN, contentKey: KEY };
const site = { origin: "https://happy-otter-123.convex.site", convexUrl: "https://happy-otter-123.convex.cloud" };

describe("the link's fragment", () => {
  test("no fragment is not an error", () => {
    expect(parsePairingFragment("")).toBeNull();
    expect(parsePairingFragment("#")).toBeNull();
  });

  test("v=1, a token and the content key pair; unknown fields are ignored", () => {
    expect(parsePairingFragment(`#v=1&t=${TOKEN}&k=${KEY}`)).toEqual({ ok: true, link });
    expect(parsePairingFragment(`v=1&t=${TOKEN}&k=${KEY}&x=later`)).toEqual({ ok: true, link });
  });

  test("a missing or cut token or key, or another version, is a clear error that never echoes the token or key", () => {
    for (const hash of [`#v=1`, `#v=1&t=${TOKEN.slice(0, 20)}&k=${KEY}`, `#v=2&t=${TOKEN}&k=${KEY}`, `#t=${TOKEN}&k=${KEY}`, `#v=1&t=${TOKEN}`, `#v=1&t=${TOKEN}&k=${KEY.slice(0, 30)}`]) {
      const result = parsePairingFragment(hash);
      expect(result?.ok).toBe(false);
      if (result && !result.ok) {
        expect(result.error).toMatch(/pairing link/);
        expect(result.error).not.toContain(TOKEN.slice(0, 20));
        expect(result.error).not.toContain(KEY.slice(0, 20));
      }
    }
  });
});

describe("a pasted link", () => {
  test("this site's web link pairs", () => {
    expect(parsePastedLink(`  ${site.origin}/pair#v=1&t=${TOKEN}&k=${KEY} `, site)).toEqual({ ok: true, link });
  });

  test("the fastclaw:// payload pairs only when u is this deployment", () => {
    const mine = `fastclaw://pair?v=1&u=${encodeURIComponent(site.convexUrl)}&t=${TOKEN}&k=${KEY}`;
    expect(parsePastedLink(mine, site)).toEqual({ ok: true, link });
    const other = `fastclaw://pair?v=1&u=${encodeURIComponent("https://other-1.convex.cloud")}&t=${TOKEN}&k=${KEY}`;
    expect(parsePastedLink(other, site)).toMatchObject({ ok: false, error: expect.stringMatching(/another Convex deployment/) });
    // Without the content key the device could read nothing: refused, never paired half.
    expect(parsePastedLink(mine.replace(`&k=${KEY}`, ""), site)).toMatchObject({ ok: false, error: expect.stringMatching(/content key/) });
  });

  test("another site's link, a non-link and an empty box are refused with a reason", () => {
    expect(parsePastedLink(`https://other-1.convex.site/pair#v=1&t=${TOKEN}&k=${KEY}`, site)).toMatchObject({ ok: false, error: expect.stringMatching(/another deployment/) });
    expect(parsePastedLink("hello", site)).toMatchObject({ ok: false, error: expect.stringMatching(/not a usable pairing link/) });
    expect(parsePastedLink("", site)).toMatchObject({ ok: false, error: expect.stringMatching(/Paste/) });
    expect(parsePastedLink(`${site.origin}/pair`, site)).toMatchObject({ ok: false });
  });
});
