/** The pairing screen: what to do, a paste box for the link, and why a claim failed. */
import { useState } from "preact/hooks";
import { parsePastedLink, type PairingLink } from "../pairing-link.js";

export interface PairScreenProps {
  busy: boolean;
  error?: string;
  online: boolean;
  site: { origin: string; convexUrl: string };
  onPair: (link: PairingLink) => void;
  onCancel?: () => void;
}

export function PairScreen({ busy, error, online, site, onPair, onCancel }: PairScreenProps) {
  const [text, setText] = useState("");
  const [pasteError, setPasteError] = useState<string | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const parsed = parsePastedLink(text, site);
    if (!parsed.ok) {
      setPasteError(parsed.error);
      return;
    }
    setPasteError(undefined);
    setText("");
    onPair(parsed.link);
  };
  const shown = pasteError ?? error;
  return (
    <main class="pair" aria-labelledby="pair-title">
      <div class="pair-card">
        <h1 id="pair-title">Pair with your relay</h1>
        <ol class="pair-steps">
          <li>
            On the computer running OpenClaw, run <code>fastclaw-relay pair</code>.
          </li>
          <li>Point your phone's camera at the QR code it shows and open the link.</li>
        </ol>
        {busy ? (
          <p class="pair-status" role="status" aria-live="polite">
            Pairing…
          </p>
        ) : null}
        {shown ? (
          <p class="error" role="alert">
            {shown}
          </p>
        ) : null}
        {!online ? (
          <p class="notice" role="status">
            You are offline. Pairing needs a connection.
          </p>
        ) : null}
        <form class="pair-form" onSubmit={submit}>
          <label for="pair-link">Or paste the pairing link</label>
          <input
            id="pair-link"
            type="text"
            inputMode="url"
            autoComplete="off"
            autoCapitalize="off"
            spellcheck={false}
            placeholder="https://…/pair#v=1&t=…"
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="primary" disabled={busy || !online}>
            Pair
          </button>
        </form>
        {onCancel ? (
          <button type="button" class="link-button" onClick={onCancel}>
            Back to chats
          </button>
        ) : null}
      </div>
    </main>
  );
}
