/** What the page accepts as pairing data: its own link's fragment, or a pasted web link / fastclaw:// payload. */
import { parsePairingFragment, parsePastedLink } from "../../web/src/pairing-link.js";

const TOKEN = "t".repeat(43);
const site = { origin: "https://happy-otter-123.convex.site", convexUrl: "https://happy-otter-123.convex.cloud" };

describe("the link's fragment", () => {
  test("no fragment is not an error", () => {
    expect(parsePairingFragment("")).toBeNull();
    expect(parsePairingFragment("#")).toBeNull();
  });

  test("v=1 and a token pair; unknown fields (a later k=) are ignored", () => {
    expect(parsePairingFragment(`#v=1&t=${TOKEN}`)).toEqual({ ok: true, link: { pairingToken: TOKEN } });
    expect(parsePairingFragment(`v=1&t=${TOKEN}&k=somekey`)).toEqual({ ok: true, link: { pairingToken: TOKEN } });
  });

  test("a missing or cut token, or another version, is a clear error that never echoes the token", () => {
    for (const hash of [`#v=1`, `#v=1&t=${TOKEN.slice(0, 20)}`, `#v=2&t=${TOKEN}`, `#t=${TOKEN}`]) {
      const result = parsePairingFragment(hash);
      expect(result?.ok).toBe(false);
      if (result && !result.ok) {
        expect(result.error).toMatch(/pairing link/);
        expect(result.error).not.toContain(TOKEN.slice(0, 20));
      }
    }
  });
});

describe("a pasted link", () => {
  test("this site's web link pairs", () => {
    expect(parsePastedLink(`  ${site.origin}/pair#v=1&t=${TOKEN} `, site)).toEqual({ ok: true, link: { pairingToken: TOKEN } });
  });

  test("the fastclaw:// payload pairs only when u is this deployment", () => {
    const mine = `fastclaw://pair?v=1&u=${encodeURIComponent(site.convexUrl)}&t=${TOKEN}`;
    expect(parsePastedLink(mine, site)).toEqual({ ok: true, link: { pairingToken: TOKEN } });
    const other = `fastclaw://pair?v=1&u=${encodeURIComponent("https://other-1.convex.cloud")}&t=${TOKEN}`;
    expect(parsePastedLink(other, site)).toMatchObject({ ok: false, error: expect.stringMatching(/another Convex deployment/) });
  });

  test("another site's link, a non-link and an empty box are refused with a reason", () => {
    expect(parsePastedLink(`https://other-1.convex.site/pair#v=1&t=${TOKEN}`, site)).toMatchObject({ ok: false, error: expect.stringMatching(/another deployment/) });
    expect(parsePastedLink("hello", site)).toMatchObject({ ok: false, error: expect.stringMatching(/not a usable pairing link/) });
    expect(parsePastedLink("", site)).toMatchObject({ ok: false, error: expect.stringMatching(/Paste/) });
    expect(parsePastedLink(`${site.origin}/pair`, site)).toMatchObject({ ok: false });
  });
});
