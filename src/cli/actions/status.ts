/** `status`: prints the report (or JSON), hints on stderr; exit 0 when reporting worked. */
import { collectStatus, type StatusReport } from "../../status/status-report.js";
import { knownSecrets as resolvedSecrets } from "../../logging/known-secrets.js";
import { redactText } from "../../logging/redact.js";
import { loadConfig } from "../../config/load.js";
import { EXIT, type CliContext } from "../context.js";
import { managerDeps } from "../manager-deps.js";
import { formatStatus } from "../format-status.js";
import { terminalJson, terminalLine } from "../../terminal-text.js";

/** Secrets never go into the report; this is the belt to that pair of braces. */
async function knownSecrets(ctx: CliContext): Promise<string[]> {
  try {
    return await resolvedSecrets(ctx.env, (await loadConfig(ctx.env)).effective);
  } catch {
    return [];
  }
}

export async function statusAction(ctx: CliContext, args: { json: boolean; requireHealthy: boolean }): Promise<number> {
  const now = ctx.deps.now?.() ?? Date.now();
  const report: StatusReport = await collectStatus({ ...managerDeps(ctx), now });
  const secrets = await knownSecrets(ctx);
  if (args.json) {
    ctx.out(redactText(terminalJson({ ...report, healthy: report.problems.length === 0 }, 2), secrets));
  } else {
    // The report quotes the Gateway (its last error) and Convex: sanitized before the terminal sees it.
    for (const line of formatStatus(report)) ctx.out(terminalLine(redactText(line, secrets)));
    for (const hint of report.hints) ctx.err(terminalLine(hint));
  }
  return args.requireHealthy && report.problems.length > 0 ? EXIT.FAILURE : EXIT.OK;
}
