/** Jest global setup for the e2e project (placeholder until the Gateway harness lands). */
export default async function globalSetup(): Promise<void> {}
