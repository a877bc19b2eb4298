/** `pair` end to end against the local Convex server running the project's functions, with a real app-side claim. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import QRCode from "qrcode";
import { resolvePairingPayload } from "../../src/chat/pair-payload.js";
import { discoverModules } from "../../dev/local-convex/module-loader.js";
import { startLocalConvex, type LocalConvexServer } from "../../dev/local-convex/index.js";
import { parsePairingPayload } from "../../src/pairing/payload.js";
import { capture, makeSandbox, recorder, SECRET, type Sandbox } from "../service/helpers.js";
import { cli, writeConfig } from "../cli/cli-helpers.js";
import { adminMutation, claimAsApp, pairSandbox, query, startPair, startServer } from "./pair-helpers.js";

let server: LocalConvexServer;
let box: Sandbox;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  box = pairSandbox();
});
afterEach(() => box.cleanup());

const readConfig = () => JSON.parse(readFileSync(box.configFile, "utf8")) as Record<string, string>;
const CODE = /UNAUTHORIZED/;

test("happy path (--json): register, code, claim by the app → claimed event, exit 0, config saved 0600, QR file", async () => {
  const qrFile = path.join(box.root, "code.svg");
  const pair = startPair(["--json", "--convex-url", server.url, "--name", "Desk", "--qr-file", qrFile], { env: box.env });
  const registered = await pair.waitFor("registered");
  expect(registered).toMatchObject({ name: "Desk", created: true, convexUrl: server.url });
  const pairing = await pair.waitFor("pairing");
  expect(pairing.expiresAt).toBeGreaterThan(Date.now() + 4 * 60_000);
  const payload = parsePairingPayload(pairing.payload as string);
  expect(payload).toMatchObject({ version: 1, convexUrl: server.url });
  expect(pairing.payload).toBe(`fastclaw://pair?v=1&u=${encodeURIComponent(server.url)}&t=${payload.token}&k=${payload.contentKey}`);
  // The web app's link: the same token and content key in the fragment, on the deployment's own site URL.
  expect(pairing.webUrl).toBe(`${server.siteUrl}/pair#v=1&t=${payload.token}&k=${payload.contentKey}`);
  // The QR file encodes exactly the web link (the encoder is deterministic for the same text and level).
  const svg = (await QRCode.toString(pairing.webUrl as string, { type: "svg", errorCorrectionLevel: "M" })).trim();
  expect(readFileSync(qrFile, "utf8")).toContain(svg);
  expect(readFileSync(qrFile, "utf8")).not.toContain((await QRCode.toString(pairing.payload as string, { type: "svg", errorCorrectionLevel: "M" })).trim());
  expect(statSync(qrFile).mode & 0o777).toBe(0o600);

  const device = await claimAsApp(pairing.payload as string, "Pixel 8", "android");
  expect(device.result.instanceName).toBe("Desk");
  expect(await pair.done).toBe(0);
  expect(pair.events().map((e) => e.event)).toEqual(["registered", "pairing", "claimed"]);
  expect(pair.events()[2]).toEqual({ event: "claimed", device: { name: "Pixel 8", platform: "android" } });

  const config = readConfig();
  expect(config).toMatchObject({ convexUrl: server.url, instanceId: registered.instanceId, instanceName: "Desk" });
  expect(config.instanceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // The content key the code carries is the one kept with the secret (0600), and Convex never had it.
  expect(config.contentKey).toBe(payload.contentKey);
  expect(statSync(box.configFile).mode & 0o777).toBe(0o600);
  // The token is in the QR code only, never in the config; Convex knows the relay by its secret.
  expect(readFileSync(box.configFile, "utf8")).not.toContain(payload.token);
  expect(await query(server.url, "relay:info", { relaySecret: config.instanceSecret })).toMatchObject({
    pairedDevices: 1,
    name: "Desk",
  });
  // status sees the same through relay:info.
  const status = await cli(["status", "--json"], { env: box.env, runner: recorder().runner });
  expect(JSON.parse(status.stdout)).toMatchObject({
    pairing: { pairedDevices: 1, instanceName: "Desk" },
    convex: { reachable: true },
  });
  expect(status.stdout).not.toContain(config.instanceSecret);
});

test("the web link pairs too: its site names the deployment (/app-config.json), the fragment holds the token", async () => {
  const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
  const pairing = await pair.waitFor("pairing");
  const resolved = await resolvePairingPayload(pairing.webUrl as string, undefined, 10_000);
  const { token, contentKey } = parsePairingPayload(pairing.payload as string);
  expect(resolved).toEqual({ convexUrl: server.url, pairingToken: token, contentKey });
  await claimAsApp(pairing.payload as string, "Browser", "web");
  expect(await pair.done).toBe(0);
});

test("a deployment without the web app (functions not redeployed): the fastclaw:// code still pairs, and pair says why there is no link", async () => {
  const modules = discoverModules(path.resolve("convex"));
  delete modules["./web.ts"];
  const old = await startLocalConvex({ port: 0, host: "127.0.0.1", modules });
  try {
    const json = startPair(["--json", "--convex-url", old.url], { env: box.env });
    const pairing = await json.waitFor("pairing");
    expect(pairing).toMatchObject({ webUrl: null, webNote: expect.stringMatching(/redeploy/) });
    json.controller.abort();
    await json.done;
    const human = startPair(["--convex-url", old.url], { env: box.env });
    const end = Date.now() + 20_000;
    while (!human.stdout.text().includes("Waiting for the app") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(human.stdout.text()).toContain("Scan this QR code with the FastClaw app:");
    expect(human.stderr.text()).toMatch(/No web app link: .*redeploy/);
    await claimAsApp(/fastclaw:\/\/pair\?\S+/.exec(human.stdout.text())![0]);
    expect(await human.done).toBe(0);
  } finally {
    await old.stop();
  }
});

test("human output: terminal QR, the code as text, when it expires; then the device and the next step", async () => {
  const pair = startPair(["--convex-url", server.url], { env: box.env });
  const end = Date.now() + 20_000;
  while (!pair.stdout.text().includes("Waiting for the app") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const out = pair.stdout.text();
  expect(out).toContain("Scan this QR code with your phone's camera (it opens the FastClaw web app):");
  expect(out).toMatch(/[▀▄█]/); // the terminal QR
  const payload = /fastclaw:\/\/pair\?\S+/.exec(out)![0];
  const { token, contentKey } = parsePairingPayload(payload);
  const webUrl = `${server.siteUrl}/pair#v=1&t=${token}&k=${contentKey}`;
  expect(out).toContain(`Or open this link on the phone:\n  ${webUrl}\n`);
  expect(out).toContain(await QRCode.toString(webUrl, { type: "terminal", small: true, errorCorrectionLevel: "M" }));
  expect(out).toMatch(/Expires in (5:00|4:59) \(at .+\)\. Waiting for the app/);
  await claimAsApp(payload, "iPhone", "ios");
  expect(await pair.done).toBe(0);
  expect(pair.stdout.text()).toContain('Paired with "iPhone" (ios).');
  expect(pair.stderr.text()).toContain("Next: fastclaw-relay install");
});

test("expiry: a clear message and exit 1", async () => {
  const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
  const pairing = await pair.waitFor("pairing");
  // What Convex's scheduler does at expiresAt, done now (5 minutes is too long for a test).
  await adminMutation(server.url, "pairing:expire", { pairingId: pairing.pairingId });
  expect(await pair.done).toBe(1);
  expect(pair.events().at(-1)).toEqual({ event: "expired" });
  expect(pair.stderr.text()).toContain("expired before the app claimed it");
  await expect(claimAsApp(pairing.payload as string)).rejects.toThrow(/PAIRING_EXPIRED|expired/i);
});

test("a second pair replaces the first code: the first exits 1 saying so", async () => {
  const first = startPair(["--json", "--convex-url", server.url], { env: box.env });
  await first.waitFor("pairing");
  const second = startPair(["--json"], { env: box.env });
  const pairing = await second.waitFor("pairing");
  expect(await first.done).toBe(1);
  expect(first.events().at(-1)).toEqual({ event: "replaced" });
  expect(first.stderr.text()).toContain("replaced by a newer one");
  await claimAsApp(pairing.payload as string);
  expect(await second.done).toBe(0);
});

test("--reset --yes: devices revoked, secret rotated (saved only after Convex accepted), no backup left, pair anew", async () => {
  const first = startPair(["--json", "--convex-url", server.url], { env: box.env });
  const device = await claimAsApp((await first.waitFor("pairing")).payload as string);
  expect(await first.done).toBe(0);
  const before = readConfig();

  const reset = startPair(["--reset", "--yes", "--json"], { env: box.env });
  expect(await reset.waitFor("reset")).toEqual({ event: "reset", revokedDevices: 1 });
  const registered = await reset.waitFor("registered");
  expect(registered.instanceId).toBe(before.instanceId); // same instance, new secret
  const pairing = await reset.waitFor("pairing");
  const after = readConfig();
  expect(after.instanceSecret).not.toBe(before.instanceSecret);
  expect(after.instanceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // A new content key with it: devices paired before cannot open what is written from now on; the new code carries it.
  expect(after.contentKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(after.contentKey).not.toBe(before.contentKey);
  expect(parsePairingPayload(pairing.payload as string).contentKey).toBe(after.contentKey);
  expect(readdirSync(box.stateDir).filter((f) => f.includes(".bak-"))).toEqual([]);
  // The old secret and the old device are dead.
  await expect(query(server.url, "relay:info", { relaySecret: before.instanceSecret })).rejects.toThrow(CODE);
  await expect(query(server.url, "app:status", { deviceToken: device.deviceToken })).rejects.toThrow(CODE);
  await claimAsApp(pairing.payload as string, "New phone");
  expect(await reset.done).toBe(0);
  expect(await query(server.url, "relay:info", { relaySecret: after.instanceSecret })).toMatchObject({ pairedDevices: 1 });
});

test("--reset without a terminal and without --yes is a usage error; nothing changes", async () => {
  writeConfig(box, { convexUrl: server.url, instanceSecret: SECRET });
  const bytes = readFileSync(box.configFile, "utf8");
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const result = await cli(["pair", "--reset"], { env: box.env, stdin });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("pass --yes");
  expect(readFileSync(box.configFile, "utf8")).toBe(bytes);
});

test("--reset on a terminal asks first; 'n' cancels with nothing changed, 'y' goes ahead", async () => {
  const first = startPair(["--json", "--convex-url", server.url], { env: box.env });
  await claimAsApp((await first.waitFor("pairing")).payload as string);
  expect(await first.done).toBe(0);
  const bytes = readFileSync(box.configFile, "utf8");

  const no = await cli(["pair", "--reset"], { env: box.env, stdin: Object.assign(Readable.from(["n\n"]), { isTTY: true }) });
  expect(no.code).toBe(1);
  expect(no.stderr).toContain("unpairs every phone");
  expect(no.stderr).toContain("Cancelled; nothing was changed.");
  expect(readFileSync(box.configFile, "utf8")).toBe(bytes);

  const yes = startPair(["--reset", "--json"], { env: box.env, stdin: Object.assign(Readable.from(["y\n"]), { isTTY: true }) });
  expect(await yes.waitFor("reset")).toEqual({ event: "reset", revokedDevices: 1 });
  await yes.waitFor("pairing");
  yes.controller.abort();
  expect(await yes.done).toBe(1);
  expect(yes.stderr.text()).toContain("Cancelled");
});

test("--reset with a secret Convex does not know: exit 1, config untouched, no stray backup", async () => {
  writeConfig(box, { convexUrl: server.url, instanceSecret: SECRET });
  const bytes = readFileSync(box.configFile, "utf8");
  const result = await cli(["pair", "--reset", "--yes"], { env: box.env });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/Convex refused/);
  expect(result.stderr).toMatch(/does not accept this relay's instance secret/);
  expect(readFileSync(box.configFile, "utf8")).toBe(bytes);
  expect(readdirSync(box.stateDir)).toEqual(["config.json"]);
});

test("no Convex URL anywhere: exit 78 saying to pass --convex-url", async () => {
  const result = await cli(["pair"], { env: box.env });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain(box.configFile);
  expect(result.stderr).toContain("--convex-url");
  expect(existsSync(box.configFile)).toBe(false);
});

test("a corrupt config: exit 78 and the bytes are left alone", async () => {
  writeConfig(box, '{"convexUrl": ');
  const result = await cli(["pair", "--convex-url", server.url], { env: box.env });
  expect(result.code).toBe(78);
  expect(result.stderr).toContain("is not valid JSON");
  expect(readFileSync(box.configFile, "utf8")).toBe('{"convexUrl": ');
});

test("a bad --convex-url is a usage error", async () => {
  expect((await cli(["pair", "--convex-url", "convex.example"], { env: box.env })).code).toBe(2);
});

test("Convex unreachable: exit 1 naming the URL; the new secret is kept in the config for the next try", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port: p } = s.address() as net.AddressInfo;
      s.close(() => resolve(p));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const result = await cli(["pair", "--convex-url", url], { env: box.env });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Cannot reach Convex at ${url}`);
  expect(readConfig()).toMatchObject({ convexUrl: url, instanceSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
});

test("cancelling while waiting (SIGINT/abort): the code is withdrawn in Convex, exit 1, says so", async () => {
  const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
  const pairing = await pair.waitFor("pairing");
  pair.controller.abort();
  expect(await pair.done).toBe(1);
  expect(pair.events().at(-1)).toEqual({ event: "cancelled", withdrawn: true });
  expect(pair.stderr.text()).toContain("Cancelled; the pairing code was withdrawn and can no longer be used.");
  await expect(claimAsApp(pairing.payload as string)).rejects.toMatchObject({ data: { code: "PAIRING_EXPIRED" } });
});

test("cancelling when Convex can't be reached any more: says the code stays valid, and until when", async () => {
  const pair = startPair(["--convex-url", server.url], { env: box.env });
  const end = Date.now() + 20_000;
  while (!pair.stdout.text().includes("Waiting for the app") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await server.goOffline();
  try {
    pair.controller.abort();
    expect(await pair.done).toBe(1);
  } finally {
    await server.goOnline();
  }
  expect(pair.stderr.text()).toMatch(/Cancelled, but the pairing code could not be withdrawn \(Cannot reach Convex .*\); it stays valid until /);
});

describe("the deployment's registration key", () => {
  test("a first pair without it: exit 1, the reason and how to pass it; nothing registered", async () => {
    delete box.env.FASTCLAW_REGISTRATION_KEY;
    const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
    expect(await pair.done).toBe(1);
    expect(pair.stderr.text()).toContain(
      "Convex refused: REGISTRATION_KEY_INVALID: this deployment needs a registration key to register a new relay",
    );
    expect(pair.stderr.text()).toContain("FASTCLAW_REGISTRATION_KEY=<key> fastclaw-relay pair");
    expect(pair.events()).toEqual([]);
  });

  test("a key saved for another deployment is never sent to this one, and is dropped from the config", async () => {
    delete box.env.FASTCLAW_REGISTRATION_KEY;
    const otherKey = "key-of-another-deployment-0123456789abcdef";
    writeConfig(box, { convexUrl: "https://other.example.convex.cloud", registrationKey: otherKey });
    // The local server would take any key it knows; this one is not, so only "needs a key" proves it wasn't sent.
    const pair = startPair(["--json", "--convex-url", server.url], { env: box.env });
    expect(await pair.done).toBe(1);
    expect(pair.stderr.text()).toContain("this deployment needs a registration key");
    expect(readConfig()).not.toHaveProperty("registrationKey");
    expect(readConfig().convexUrl).toBe(server.url);
  });

  test("--registration-key once: registered, kept 0600 in the config for this deployment, never printed", async () => {
    const key = box.env.FASTCLAW_REGISTRATION_KEY!;
    delete box.env.FASTCLAW_REGISTRATION_KEY;
    const pair = startPair(["--json", "--convex-url", server.url, "--registration-key", key], { env: box.env });
    const pairing = await pair.waitFor("pairing");
    await claimAsApp(pairing.payload as string);
    expect(await pair.done).toBe(0);
    expect(readConfig()).toMatchObject({ registrationKey: key, convexUrl: server.url });
    expect(statSync(box.configFile).mode & 0o777).toBe(0o600);
    expect(pair.stdout.text() + pair.stderr.text()).not.toContain(key);
    const status = await cli(["status", "--json"], { env: box.env, runner: recorder().runner });
    expect(status.stdout + status.stderr).not.toContain(key);
  });
});
