/** Names chosen by a caller (device name at claim, instance name at register) cannot carry control or bidi override characters. */
import { api } from "../../convex/_generated/api.js";
import { credential, expectError, newBackend, registerInstance, REGISTRATION_KEY, type Backend, useConvexTestFile } from "./fixtures.js";

let t: Backend;
useConvexTestFile(() => t);
beforeEach(() => {
  t = newBackend();
});

const HOSTILE: Array<[string, string]> = [
  ["an ESC (CSI erase line)", "Pixel\u001b[2K\rPairing code expired"],
  ["an OSC 52 clipboard write", "Pixel\u001b]52;c;cm0gLXJmIH4=\u0007"],
  ["a C1 CSI", "Pixel\u009b2J"],
  ["a line feed", "Pixel\nfake line"],
  ["a NUL", "Pi\u0000xel"],
  ["DEL", "Pixel\u007f"],
  ["a bidi override", "Pixel \u202egnp.exe"],
  ["a bidi isolate", "Pixel \u2066x\u2069"],
];

test.each(HOSTILE)("claim refuses a device name with %s", async (_what, deviceName) => {
  const { secret } = await registerInstance(t, "Home");
  const pairingToken = credential();
  await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  const data = await expectError(t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName, platform: "android" }), "BAD_REQUEST");
  expect(data.message).toMatch(/deviceName must not contain control characters or bidi overrides/);
  // The code was not used up by the refused claim: the owner's real claim still works.
  await expect(t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Pixel 9", platform: "android" })).resolves.toMatchObject({
    instanceName: "Home",
  });
});

test.each(HOSTILE)("register refuses an instance name with %s", async (_what, name) => {
  const data = await expectError(t.mutation(api.instances.register, { secret: credential(), name, registrationKey: REGISTRATION_KEY }), "BAD_REQUEST");
  expect(data.message).toMatch(/name must not contain control characters or bidi overrides/);
});

test("claim refuses a platform with control characters", async () => {
  const { secret } = await registerInstance(t, "Home");
  const pairingToken = credential();
  await t.mutation(api.pairing.create, { relaySecret: secret, token: pairingToken });
  await expectError(t.action(api.pairing.claim, { pairingToken, deviceToken: credential(), deviceName: "Pixel", platform: "android\u001b]0;x\u0007" }), "BAD_REQUEST");
});

test("ordinary names pass, whatever their script: accents, CJK, emoji, right-to-left text, direction marks", async () => {
  for (const name of ["Zoë's iPhone", "李雷的手机", "📱 Kitchen tablet", "הטלפון של דנה", "Ali\u200f's phone"]) {
    await expect(t.mutation(api.instances.register, { secret: credential(), name, registrationKey: REGISTRATION_KEY })).resolves.toMatchObject({ instanceId: expect.any(String) });
  }
});
