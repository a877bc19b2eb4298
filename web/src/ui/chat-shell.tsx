/** A paired relay's screen: header with presence, the chats list and the open chat (side by side on desktop). */
import type { ConvexClient } from "convex/browser";
import { useCallback, useMemo, useState } from "preact/hooks";
import { api, type AppStatus, type SessionRow } from "../api.js";
import { chatCrypto } from "../chat-crypto.js";
import type { PairedInstance } from "../device-store.js";
import { describeFailure } from "../errors.js";
import { AgentPanel } from "./agent-panel.js";
import { ChatView } from "./chat-view.js";
import { useConnected, useNow, useQuery } from "./hooks.js";
import { InstancesPanel } from "./instances-panel.js";
import { Presence } from "./presence.js";
import { SessionList, WEB_CHAT_PREFIX } from "./session-list.js";
import { useOpened, useResolved } from "./use-opened.js";
import type { ChatRef } from "../opened.js";

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
  const [chat, setChat] = useState<ChatRef | undefined>();
  const crypto = useMemo(() => chatCrypto(instance), [instance]);
  const [agentOpen, setAgentOpen] = useState(false);
  const status = useQuery<AppStatus>((onValue, onError) => client.onUpdate(api.app.status, { deviceToken: token }, onValue, onError), [client, token]);
  const sessions = useQuery<{ page: SessionRow[] }>(
    (onValue, onError) =>
      client.onUpdate(api.app.listSessions, { deviceToken: token, paginationOpts: { cursor: null, numItems: SESSION_LIST_SIZE } }, onValue, onError),
    [client, token],
  );
  const openedSessions = useOpened(sessions.value?.page, crypto.openSession);
  const rawGatewayError = status.value?.gateway.error;
  const gatewayError = useResolved(() => crypto.openGatewayError(rawGatewayError), [crypto, rawGatewayError]);
  const hasKey = useResolved(() => crypto.hasKey, [crypto]) ?? true;
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
    <div class={`shell ${chat === undefined ? "show-list" : "show-chat"}`}>
      <header class="topbar">
        <button type="button" class="relay-button" aria-haspopup="dialog" aria-expanded={panelOpen} onClick={() => setPanelOpen(true)}>
          <span class="relay-name">{name}</span>
          <span class="sr-only">, relays and pairing</span>
        </button>
        <button type="button" class="small agent-button" aria-haspopup="dialog" aria-expanded={agentOpen} onClick={() => setAgentOpen(true)}>
          Agent
        </button>
        <Presence status={status.value} now={now} gatewayError={gatewayError} />
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
      {!hasKey && !revoked ? (
        <p class="banner error" role="alert">
          This device has no encryption key for this relay (it was paired before end-to-end encryption). Run{" "}
          <code>fastclaw-relay pair</code> and open the new link to read and send messages.
        </p>
      ) : null}
      {revoked ? (
        <div class="banner error" role="alert">
          This relay no longer accepts this device (it was unpaired, or reset with a new encryption key). Run{" "}
          <code>fastclaw-relay pair</code> and open the new link to pair again.{" "}
          <button type="button" class="link-button" onClick={() => onForget(instance.localId)}>
            Forget it
          </button>
        </div>
      ) : null}
      <div class="panes">
        <SessionList
          sessions={openedSessions}
          selected={chat?.sessionId}
          now={now}
          onOpen={setChat}
          onNew={hasKey ? () => void crypto.newChat(newSessionKey()).then(setChat, () => undefined) : undefined}
        />
        {chat !== undefined ? (
          <ChatView
            key={chat.sessionId}
            client={client}
            crypto={crypto}
            deviceToken={token}
            chat={chat}
            session={openedSessions?.find((s) => s.sessionId === chat.sessionId)}
            online={online && connected} now={now} onBack={() => setChat(undefined)} onMoved={setChat} />
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
