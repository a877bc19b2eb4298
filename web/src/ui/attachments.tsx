/** Files in the chat: the composer's picker and chip, and a message's files (images inline, others a download link). */
import type { ConvexClient } from "convex/browser";
import { useEffect, useMemo, useState } from "preact/hooks";
import { isImageType } from "../../../convex/lib/file-types.js";
import type { StoredFile } from "../../../src/app-client/client-files.js";
import { api } from "../api.js";
import type { ChatCrypto } from "../opened.js";

/** What the picker offers; the types Convex takes are checked again before upload (`checkAttachment`). */
const ACCEPT = "image/*,application/pdf,application/json,text/plain,text/markdown,text/csv,audio/*,video/mp4,video/webm";

/** The files of the messages on screen, by message id, live. */
export function useMessageFiles(client: ConvexClient, deviceToken: string, messageIds: readonly string[]): Map<string, StoredFile[]> {
  const [files, setFiles] = useState<Map<string, StoredFile[]>>(new Map());
  const key = messageIds.join(",");
  useEffect(() => {
    if (messageIds.length === 0) return setFiles(new Map());
    // files.list takes at most a page (100 ids): the newest rows are the ones on screen.
    const ids = messageIds.slice(-100) as Array<(typeof api.files.list)["_args"]["messageIds"][number]>;
    const unsubscribe = client.onUpdate(
      api.files.list,
      { deviceToken, messageIds: ids },
      (result) => setFiles(new Map(result.map((entry) => [entry.messageId as string, entry.files as StoredFile[]]))),
      // A device unpaired or revoked by `pair --reset` hears it from the chat's own queries, which ask it to pair
      // again; without a handler the client would throw the refusal into the page.
      () => undefined,
    );
    return () => unsubscribe();
  }, [client, deviceToken, key]);
  return files;
}

type Shown = { state: "opening" } | { state: "open"; url: string; name: string } | { state: "failed"; why: string };

/** One file: decrypted here into a blob: URL that lives as long as the element (revoked on unmount). */
export function AttachmentView({ crypto, sessionId, file }: { crypto: ChatCrypto; sessionId: string; file: StoredFile }) {
  const [shown, setShown] = useState<Shown>({ state: "opening" });
  useEffect(() => {
    let url: string | undefined;
    let live = true;
    crypto.openFile(sessionId, file).then(
      (opened) => {
        if (!live) return;
        url = URL.createObjectURL(new Blob([opened.bytes], { type: file.type }));
        setShown({ state: "open", url, name: opened.name ?? `file.${file.type.split("/")[1] ?? "bin"}` });
      },
      (error: unknown) => live && setShown({ state: "failed", why: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [crypto, sessionId, file.attachmentId, file.url]);
  if (shown.state === "opening") return <span class="attachment muted">Opening file…</span>;
  if (shown.state === "failed") return <span class="attachment error">🔒 {shown.why}</span>;
  if (isImageType(file.type)) return <img class="attachment-image" src={shown.url} alt={shown.name} data-attachment-id={file.attachmentId} />;
  return (
    <a class="attachment" href={shown.url} download={shown.name} data-attachment-id={file.attachmentId}>
      ⬇ {shown.name}
    </a>
  );
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} B`;
}

/** The picked file in the composer, with a preview for an image and a button to take it off. */
export function PickedChip({ file, onRemove }: { file: File; onRemove: () => void }) {
  const preview = useMemo(() => (isImageType(file.type) ? URL.createObjectURL(file) : undefined), [file]);
  useEffect(() => () => (preview !== undefined ? URL.revokeObjectURL(preview) : undefined), [preview]);
  return (
    <div class="chip" data-testid="attachment-chip">
      {preview !== undefined ? <img src={preview} alt="" class="chip-preview" /> : <span class="muted">File</span>}
      <span class="chip-name">{file.name}</span>
      <span class="muted">{size(file.size)}</span>
      <button type="button" class="icon-button" aria-label={`Remove ${file.name}`} onClick={onRemove}>
        ✕
      </button>
    </div>
  );
}

/** The picker/camera button: on a phone `capture` offers the camera next to the library. */
export function AttachButton({ disabled, onPick }: { disabled: boolean; onPick: (file: File) => void }) {
  return (
    <label class={`icon-button attach${disabled ? " disabled" : ""}`} aria-label="Attach a photo or file" title="Attach a photo or file">
      {/* Drawn, not an emoji: a phone without an emoji font would show a blank box. */}
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
        <path d="M21 11.5l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l8.9-8.9a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.9a1.8 1.8 0 0 1-2.6-2.6l8.2-8.2" />
      </svg>
      <input
        type="file"
        class="sr-only"
        accept={ACCEPT}
        capture="environment"
        disabled={disabled}
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const file = input.files?.[0];
          input.value = "";
          if (file) onPick(file);
        }}
      />
    </label>
  );
}
