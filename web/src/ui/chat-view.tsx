/** An open chat: history (older pages on scroll up), the streaming reply, the composer and the stop button. */
import type { ConvexClient } from "convex/browser";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api.js";
import { ChatFeed, type FeedState } from "../chat-feed.js";
import type { ChatCrypto, ChatRef, ChatSession } from "../opened.js";
import { describeFailure } from "../errors.js";
import { MessageItem, PendingItem } from "./message-item.js";
import { sessionTitle } from "./session-list.js";
import { AttachButton, AttachmentView, PickedChip, useMessageFiles } from "./attachments.js";
import { checkAttachment, type AttachmentInput } from "../../../src/app-client/client-files.js";

export interface ChatViewProps {
  client: ConvexClient;
  crypto: ChatCrypto;
  deviceToken: string;
  chat: ChatRef;
  /** Its row in the chats list, once listed (a new chat is not, until its first message). */
  session?: ChatSession;
  /** Both the network and the Convex connection are up: only then can a send go out. */
  online: boolean;
  now: number;
  onBack: () => void;
  /** A send from a chat stored before encryption went to its encrypted successor (another session id): open that. */
  onMoved: (chat: ChatRef) => void;
}

interface Pending {
  clientMessageId: string;
  text: string;
  error?: string;
}

/** Within this many pixels of an edge counts as "at" it. */
const EDGE_PX = 80;

export function ChatView({ client, crypto, deviceToken, chat, session, online, now, onBack, onMoved }: ChatViewProps) {
  const [feed, setFeed] = useState<FeedState>({ rows: [], loading: true, complete: false });
  const [pending, setPending] = useState<Pending[]>([]);
  const [draft, setDraft] = useState("");
  const [abortError, setAbortError] = useState<string | undefined>();
  const [picked, setPicked] = useState<File | undefined>();
  const [pickError, setPickError] = useState<string | undefined>();
  const feedRef = useRef<ChatFeed | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ firstId?: string; height: number }>({ height: 0 });

  useEffect(() => {
    const chatFeed = new ChatFeed(client, { deviceToken, sessionKey: chat.sessionId }, (rows) => Promise.all(rows.map(crypto.openMessage)), setFeed);
    feedRef.current = chatFeed;
    void chatFeed.start();
    return () => chatFeed.close();
  }, [client, crypto, deviceToken, chat.sessionId]);

  const rows = feed.rows;
  const files = useMessageFiles(client, deviceToken, useMemo(() => rows.map((row) => row.messageId), [rows]));
  const known = useMemo(() => new Set(rows.map((row) => row.clientMessageId).filter((id) => id !== undefined)), [rows]);
  const visiblePending = pending.filter((p) => !known.has(p.clientMessageId));
  const streaming = [...rows].reverse().find((row) => row.status === "streaming");

  // Stay at the bottom while the reply grows; keep the view still when older messages load above.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const firstId = rows[0]?.messageId;
    if (stick.current) el.scrollTop = el.scrollHeight;
    else if (anchor.current.firstId !== undefined && firstId !== anchor.current.firstId) el.scrollTop += el.scrollHeight - anchor.current.height;
    anchor.current = { firstId, height: el.scrollHeight };
  }, [rows, visiblePending.length]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    anchor.current = { firstId: rows[0]?.messageId, height: el.scrollHeight };
    if (el.scrollTop < EDGE_PX && !feed.complete) feedRef.current?.loadOlder();
  };

  const key = chat.sessionKey;
  /** Checks a picked file against the relay's limits at once: a refusal shows here and nothing is uploaded. */
  const pick = async (file: File) => {
    setPickError(undefined);
    try {
      checkAttachment(await client.query(api.files.policy, { deviceToken }), { name: file.name, type: file.type, size: file.size });
      setPicked(file);
    } catch (error) {
      setPicked(undefined);
      setPickError(error instanceof Error && error.name === "AttachmentError" ? error.message : describeFailure(error, navigator.onLine).message);
    }
  };

  const upload = async (file: File): Promise<AttachmentInput> => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const uploadUrl = () => client.mutation(api.files.generateUploadUrl, { deviceToken });
    return crypto.uploadFile(chat.sessionId, { name: file.name, type: file.type, bytes }, { uploadUrl, fetch: (url, init) => fetch(url, init) });
  };

  const send = async (text: string, clientMessageId: string = globalThis.crypto.randomUUID(), file?: File) => {
    // A chat whose key can't be decrypted can't be written to: the relay would not know where to deliver.
    if (!online || (text.trim() === "" && file === undefined) || !key.ok) return;
    stick.current = true;
    setPending((list) => [...list.filter((p) => p.clientMessageId !== clientMessageId), { clientMessageId, text: file ? `${text ? `${text}\n` : ""}[attached: ${file.name}]` : text }]);
    try {
      const sealed = await crypto.sealMessage({ ...chat, sessionKey: key }, clientMessageId, text);
      const attachments = file === undefined ? [] : [await upload(file)];
      await client.mutation(api.app.send, { deviceToken, ...sealed, ...(attachments.length > 0 ? { attachments: attachments as NonNullable<(typeof api.app.send)["_args"]["attachments"]> } : {}) });
      if (sealed.sessionKey !== chat.sessionId) onMoved({ sessionId: sealed.sessionKey, sessionKey: key });
    } catch (error) {
      const reason = describeFailure(error, navigator.onLine).message;
      setPending((list) => list.map((p) => (p.clientMessageId === clientMessageId ? { ...p, error: reason } : p)));
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const text = draft;
    if (!online || !key.ok || (text.trim() === "" && picked === undefined)) return;
    const file = picked;
    setDraft("");
    setPicked(undefined);
    void send(text, undefined, file);
  };

  const stop = async () => {
    if (!streaming) return;
    setAbortError(undefined);
    try {
      const { requested } = await client.mutation(api.app.requestAbort, { deviceToken, messageId: streaming.messageId });
      if (!requested) setAbortError("The reply had already finished.");
    } catch (error) {
      setAbortError(`Could not stop the reply: ${describeFailure(error, navigator.onLine).message}`);
    }
  };

  const { text: title, unreadable } = sessionTitle(session ?? chat);
  return (
    <section class="chat" aria-labelledby="chat-title">
      <div class="chat-head">
        <button type="button" class="icon-button back" aria-label="Back to chats" onClick={onBack}>
          ‹
        </button>
        <h2 id="chat-title" class={unreadable ? "unreadable" : undefined}>
          {title}
        </h2>
      </div>
      <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={`Messages in ${title}`}>
        {feed.loading && rows.length === 0 ? (
          <p class="muted" role="status">
            Loading messages…
          </p>
        ) : null}
        {!feed.loading && feed.complete && rows.length === 0 && visiblePending.length === 0 ? <p class="muted">Say hello.</p> : null}
        {feed.error !== undefined ? (
          <p class="error" role="alert">
            {describeFailure(feed.error, navigator.onLine).message}
          </p>
        ) : null}
        {!feed.complete && rows.length > 0 ? (
          <button type="button" class="link-button older" onClick={() => feedRef.current?.loadOlder()}>
            Load older messages
          </button>
        ) : null}
        <div class="message-list" role="log" aria-live="polite" aria-relevant="additions">
          {rows.map((row) => (
            <MessageItem key={row.messageId} row={row} now={now} onRetry={(text) => void send(text)}>
              {(files.get(row.messageId) ?? []).map((file) => (
                <AttachmentView key={file.attachmentId} crypto={crypto} sessionId={chat.sessionId} file={file} />
              ))}
            </MessageItem>
          ))}
          {visiblePending.map((p) => (
            <PendingItem key={p.clientMessageId} text={p.text} error={p.error} onRetry={() => void send(p.text, p.clientMessageId)} />
          ))}
        </div>
      </div>
      {abortError ? (
        <p class="error composer-note" role="alert">
          {abortError}
        </p>
      ) : null}
      {pickError ? (
        <p class="error composer-note" role="alert">
          {pickError}
        </p>
      ) : null}
      {picked ? <PickedChip file={picked} onRemove={() => setPicked(undefined)} /> : null}
      <form class="composer" onSubmit={submit}>
        <AttachButton disabled={!key.ok || !online} onPick={(file) => void pick(file)} />
        <label for="composer-input" class="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          rows={1}
          placeholder={!key.ok ? "Can't decrypt this chat's name: messages can't be sent" : online ? "Message" : "Offline: messages can't be sent"}
          disabled={!key.ok}
          value={draft}
          onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            // Enter sends on a keyboard; Shift+Enter (and a phone's return key with a modifier) adds a line.
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
          }}
        />
        {streaming ? (
          <button type="button" class="danger" onClick={() => void stop()} disabled={streaming.abortRequested === true}>
            {streaming.abortRequested ? "Stopping…" : "Stop"}
          </button>
        ) : null}
        <button type="submit" class="primary" disabled={!online || !key.ok || (draft.trim() === "" && picked === undefined)}>
          Send
        </button>
      </form>
    </section>
  );
}
