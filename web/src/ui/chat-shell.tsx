/** A paired relay's screen: header with presence, the chats list and the open chat (side by side on desktop). */
import type { ConvexClient } from "convex/browser";
import { useCallback, useState } from "preact/hooks";
import { api, type AppStatus, type SessionRow } from "../api.js";
import type { PairedInstance } from "../device-store.js";
import { describeFailure } from "../errors.js";
import { AgentPanel } from "./agent-panel.js";
import { ChatView } from "./chat-view.js";
import { useConnected, useNow, useQuery } from "./hooks.js";
import { InstancesPanel } from "./instances-panel.js";
import { Presence } from "./presence.js";
import { SessionList, WEB_CHAT_PREFIX } from "./session-list.js";

export interface ChatShellProps {
  client: ConvexClient;
  instance: PairedInstance;
  instances: PairedInstance[];
  online: boolean;
  onSwitch: (localId: string) => void;
  onForget: (localId: string) => void;
  onAdd: () => void;
}

/** Sessions shown in the list (the newest; the list is live). */
const SESSION_LIST_SIZE = 50;

function newSessionKey(): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  return `agent:main:${WEB_CHAT_PREFIX}${Date.now().toString(36)}${[...random].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function ChatShell({ client, instance, instances, online, onSwitch, onForget, onAdd }: ChatShellProps) {
  const token = instance.deviceToken;
  const now = useNow(15_000);
  const connected = useConnected(client);
  const [panelOpen, setPanelOpen] = useState(false);
  const [agentOpen, setAgentOpen] = useState(false);
  const [sessionKey, setSessionKey] = useState<string | undefined>();
  const status = useQuery<AppStatus>((onValue, onError) => client.onUpdate(api.app.status, { deviceToken: token }, onValue, onError), [client, token]);
  const sessions = useQuery<{ page: SessionRow[] }>(
    (onValue, onError) =>
      client.onUpdate(api.app.listSessions, { deviceToken: token, paginationOpts: { cursor: null, numItems: SESSION_LIST_SIZE } }, onValue, onError),
    [client, token],
  );
  const revoked = status.error !== undefined && describeFailure(status.error, true).kind === "unauthorized";
  const unpair = useCallback(
    async (target: PairedInstance) => {
      try {
        await client.mutation(api.app.unpair, { deviceToken: target.deviceToken });
      } catch (error) {
        // Already revoked (e.g. `pair --reset`): forgetting it is all that is left to do.
        if (describeFailure(error, navigator.onLine).kind !== "unauthorized") throw error;
      }
      onForget(target.localId);
    },
    [client, onForget],
  );
  const name = status.value?.instanceName ?? instance.instanceName;
  return (
    <div class={`shell ${sessionKey === undefined ? "show-list" : "show-chat"}`}>
      <header class="topbar">
        <button type="button" class="relay-button" aria-haspopup="dialog" aria-expanded={panelOpen} onClick={() => setPanelOpen(true)}>
          <span class="relay-name">{name}</span>
          <span class="sr-only">, relays and pairing</span>
        </button>
        <button type="button" class="small agent-button" aria-haspopup="dialog" aria-expanded={agentOpen} onClick={() => setAgentOpen(true)}>
          Agent
        </button>
        <Presence status={status.value} now={now} />
      </header>
      {!online ? (
        <p class="banner offline" role="status">
          You are offline. Nothing will be sent until you are back online.
        </p>
      ) : !connected ? (
        <p class="banner" role="status">
          Reconnecting to the deployment…
        </p>
      ) : null}
      {revoked ? (
        <div class="banner error" role="alert">
          This relay no longer accepts this device (it was unpaired or reset).{" "}
          <button type="button" class="link-button" onClick={() => onForget(instance.localId)}>
            Forget it
          </button>
        </div>
      ) : null}
      <div class="panes">
        <SessionList
          sessions={sessions.value?.page}
          selected={sessionKey}
          now={now}
          onOpen={setSessionKey}
          onNew={() => setSessionKey(newSessionKey())}
        />
        {sessionKey !== undefined ? (
          <ChatView
            key={sessionKey}
            client={client}
            deviceToken={token}
            sessionKey={sessionKey}
            session={sessions.value?.page.find((s) => s.sessionKey === sessionKey)}
            online={online && connected} now={now} onBack={() => setSessionKey(undefined)} />
        ) : (
          <section class="chat empty-chat" aria-label="Chat">
            <p>Pick a chat, or start a new one.</p>
          </section>
        )}
      </div>
      {agentOpen ? <AgentPanel client={client} deviceToken={token} gatewayVersion={status.value?.gateway.version} onClose={() => setAgentOpen(false)} /> : null}
      {panelOpen ? (
        <InstancesPanel
          instances={instances}
          activeId={instance.localId}
          onClose={() => setPanelOpen(false)}
          onSwitch={(id) => {
            setPanelOpen(false);
            onSwitch(id);
          }}
          onUnpair={unpair}
          onAdd={() => {
            setPanelOpen(false);
            onAdd();
          }}
        />
      ) : null}
    </div>
  );
}
