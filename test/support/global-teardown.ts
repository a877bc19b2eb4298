/** Jest global teardown for the e2e project (placeholder until the Gateway harness lands). */
export default async function globalTeardown(): Promise<void> {}
