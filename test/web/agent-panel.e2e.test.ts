/**
 * The web app's Agent panel in a real browser, fed by the relay from the real Gateway: the agent's identity,
 * the Gateway's version and health, the skills, and the cron jobs the Gateway has (its built-in memory job),
 * with running/toggling shown as off because this relay's config does not turn cron control on.
 */
import { useBrowser } from "../support/browser.js";
import { eventually, usePipeline } from "../bridge/pipeline.js";
import { clickButton, openPaired, waitForText } from "./web-page.js";

const pipeline = usePipeline();
const browser = useBrowser();

test("the Agent panel shows identity, Gateway health, cron jobs and skills as the relay synced them", async () => {
  const state = await eventually(async () => {
    const s = await pipeline().app.agentState();
    const jobs = await pipeline().app.cronJobs();
    if (s.agents.length === 0 || !s.health || s.skills.length === 0 || jobs.length === 0) throw new Error("relay has not synced yet");
    return { ...s, jobs };
  }, 90_000);
  const { page, problems } = await browser().phone();
  await openPaired(page, pipeline());
  await clickButton(page, "Agent");
  await page.waitForSelector(".agent-panel");
  await waitForText(page, state.agents[0]!.name ?? "main");
  // Health is what the Gateway says at the moment (a loaded Gateway may report itself not ok for a while):
  // the page must show what Convex holds now, whichever it is.
  await eventually(async () => {
    const [now, status] = await Promise.all([pipeline().app.agentState(), pipeline().app.status()]);
    const health = now.health!;
    const failed = health.pluginErrors > 0 ? ` · ${health.pluginErrors} plugin(s) failed` : "";
    const expected = `OpenClaw ${status.gateway.version!} · ${health.ok ? "healthy" : "not healthy"}${failed}`;
    const shown = (await page.evaluate(`document.querySelector(".agent-health")?.textContent ?? ""`)) as string;
    if (shown.trim() !== expected) throw new Error(`the panel shows ${JSON.stringify(shown)}, Convex holds ${JSON.stringify(expected)}`);
  }, 30_000);
  await waitForText(page, "No channels linked.");
  await waitForText(page, state.jobs[0]!.name);
  await waitForText(page, "Running and toggling jobs is off: off in the relay's config");
  await waitForText(page, state.skills[0]!.name);
  // Off means no buttons to ask with.
  expect(await page.evaluate(`document.querySelectorAll(".cron-actions").length`)).toBe(0);
  expect(problems).toEqual([]);
}, 240_000);
