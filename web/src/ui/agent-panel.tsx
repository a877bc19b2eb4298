/** The agent panel: identity, Gateway health and channels, skills, and cron jobs with run/enable/disable when the relay allows it. */
import type { ConvexClient } from "convex/browser";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type AgentState, type CronJobRow } from "../api.js";
import { describeFailure } from "../errors.js";
import { useQuery } from "./hooks.js";

export interface AgentPanelProps {
  client: ConvexClient;
  deviceToken: string;
  gatewayVersion: string | undefined;
  onClose: () => void;
}

function when(at: number | undefined): string {
  return at === undefined ? "—" : new Date(at).toLocaleString();
}

type CronAction = "run" | "enable" | "disable";

export function AgentPanel({ client, deviceToken, gatewayVersion, onClose }: AgentPanelProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const state = useQuery<AgentState>((onValue, onError) => client.onUpdate(api.agent.state, { deviceToken }, onValue, onError), [client, deviceToken]);
  const jobs = useQuery<CronJobRow[]>((onValue, onError) => client.onUpdate(api.cron.jobs, { deviceToken }, onValue, onError), [client, deviceToken]);
  const [note, setNote] = useState<string | undefined>();
  const [pending, setPending] = useState<{ requestId: string; label: string } | undefined>();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const request = useQuery<{ status: string; reason?: string; runId?: string } | null>(
    (onValue, onError) => (pending ? client.onUpdate(api.cron.requestStatus, { deviceToken, requestId: pending.requestId }, onValue, onError) : () => {}),
    [client, deviceToken, pending?.requestId],
  );
  const outcome = request.value;
  useEffect(() => {
    if (!pending || !outcome || outcome.status === "queued" || outcome.status === "sending") return;
    setNote(outcome.status === "accepted" ? `${pending.label}: done` : `${pending.label}: ${outcome.status} (${outcome.reason ?? "no reason given"})`);
    setPending(undefined);
  }, [outcome, pending]);

  const act = async (job: CronJobRow, action: CronAction) => {
    const requestId = `${Date.now().toString(36)}-${[...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    const label = `${action === "run" ? "Run" : action === "enable" ? "Enable" : "Disable"} ${job.name}`;
    setNote(`${label}: asking the relay…`);
    try {
      await client.mutation(api.cron.request, { deviceToken, requestId, jobId: job.jobId, action });
      setPending({ requestId, label });
    } catch (error) {
      setNote(`${label}: ${describeFailure(error, navigator.onLine).message}`);
    }
  };

  const s = state.value;
  const control = s?.cronControl;
  return (
    <dialog ref={dialog} class="panel agent-panel" aria-labelledby="agent-title" onClose={onClose}>
      <div class="panel-head">
        <h2 id="agent-title">Agent</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {s === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <ul class="agent-list">
            {s.agents.length === 0 ? <li class="muted">The relay has not reported the agent yet.</li> : null}
            {s.agents.map((agent) => (
              <li key={agent.agentId} class="agent-identity">
                <span aria-hidden="true">{agent.emoji ?? "🤖"}</span> {agent.name ?? agent.agentId}
                {agent.isDefault ? <span class="dim"> · default</span> : null}
              </li>
            ))}
          </ul>
          <h3>Gateway</h3>
          <p class="agent-health">
            {gatewayVersion ? `OpenClaw ${gatewayVersion}` : "Version unknown"}
            {s.health ? ` · ${s.health.ok ? "healthy" : "not healthy"}` : ""}
            {s.health && s.health.pluginErrors > 0 ? ` · ${s.health.pluginErrors} plugin(s) failed` : ""}
          </p>
          <ul class="channel-list">
            {s.health && s.health.channels.length === 0 ? <li class="muted">No channels linked.</li> : null}
            {s.health?.channels.map((channel) => (
              <li key={channel.id}>
                {channel.label}: {channel.state}
                {channel.error ? <span class="dim"> ({channel.error})</span> : null}
              </li>
            ))}
          </ul>
          <h3>Cron jobs</h3>
          {note ? (
            <p class="cron-note" role="status">
              {note}
            </p>
          ) : null}
          <ul class="cron-list">
            {jobs.value?.length === 0 ? <li class="muted">No cron jobs.</li> : null}
            {jobs.value?.map((job) => (
              <li key={job.jobId} class="cron-job">
                <span class="cron-name">{job.name}</span>
                <span class="dim">
                  {" "}
                  · {job.schedule} · {job.enabled ? `next ${when(job.nextRunAt)}` : "disabled"}
                  {job.lastRunAt !== undefined ? ` · last ${when(job.lastRunAt)} ${job.lastRunStatus ?? ""}` : ""}
                </span>
                {control?.enabled ? (
                  <span class="cron-actions">
                    <button type="button" class="small" disabled={pending !== undefined} onClick={() => void act(job, "run")}>
                      Run now
                    </button>
                    <button type="button" class="small" disabled={pending !== undefined} onClick={() => void act(job, job.enabled ? "disable" : "enable")}>
                      {job.enabled ? "Disable" : "Enable"}
                    </button>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
          {control && !control.enabled ? <p class="muted">Running and toggling jobs is off: {control.reason ?? "not enabled"}.</p> : null}
          <h3>Skills</h3>
          <ul class="skill-list">
            {s.skills.length === 0 ? <li class="muted">The relay has not reported the skills yet.</li> : null}
            {s.skills.map((skill) => (
              <li key={skill.name} class={skill.eligible && !skill.disabled ? "skill usable" : "skill"}>
                <span aria-hidden="true">{skill.emoji ?? "•"}</span> {skill.name}
                {skill.disabled ? " (disabled)" : !skill.eligible ? " (not usable here)" : ""}
                {skill.description ? <span class="dim"> · {skill.description}</span> : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </dialog>
  );
}
