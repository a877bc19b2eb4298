/** What a paired device reads about the agent and its cron jobs (docs/convex-api.md "Module agent", "Module cron"). */
export interface AppAgentIdentity {
  agentId: string;
  name?: string;
  emoji?: string;
  isDefault?: boolean;
}

export interface AppChannelHealth {
  id: string;
  label: string;
  state: string;
  error?: string;
}

export interface AppAgentState {
  agents: AppAgentIdentity[];
  health?: { ok: boolean; channels: AppChannelHealth[]; pluginErrors: number; checkedAt: number };
  skills: Array<{ name: string; description?: string; emoji?: string; eligible: boolean; disabled: boolean; source?: string }>;
  cronControl: { enabled: boolean; reason?: string };
  updatedAt?: number;
}

export interface AppCronJob {
  jobId: string;
  name: string;
  schedule: string;
  enabled: boolean;
  nextRunAt?: number;
  lastRunAt?: number;
  lastRunStatus?: string;
  lastRunError?: string;
}

export type AppCronAction = "run" | "enable" | "disable";

export interface AppCronRequest {
  requestId: string;
  jobId: string;
  action: AppCronAction;
  status: "queued" | "sending" | "accepted" | "refused" | "expired";
  createdAt: number;
  updatedAt: number;
  runId?: string;
  reason?: string;
}
