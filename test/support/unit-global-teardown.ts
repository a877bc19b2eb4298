/** Jest global teardown for the unit project: fails the run on temp dirs a test left behind (see tmp-guard.ts). */

export default async function globalTeardown(): Promise<void> {
  // The resolve hook registered by unit-global-setup.ts is still in place in this process.
  const { closeTmpGuard } = await import("./tmp-guard.js");
  closeTmpGuard();
}
