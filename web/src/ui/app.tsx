/** The page's top level: config, the Convex client, pairing from the link's fragment, then the chats. */
import { ConvexClient } from "convex/browser";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { AppConfig } from "../config.js";
import { DeviceStore, type PairedInstance } from "../device-store.js";
import { describeFailure } from "../errors.js";
import { parsePairingFragment, type PairingLink } from "../pairing-link.js";
import { claimPairing } from "../pairing.js";
import { ChatShell } from "./chat-shell.js";
import { useOnline } from "./hooks.js";
import { PairScreen } from "./pair-screen.js";

/**
 * Reads the pairing fragment once and removes it from the address bar and the history entry at once,
 * whatever it holds: the token is a credential until claimed.
 */
function takeFragment(): ReturnType<typeof parsePairingFragment> {
  const found = parsePairingFragment(location.hash);
  if (location.hash !== "" || location.pathname === "/pair") history.replaceState(null, "", "/");
  return found;
}

export function App({ config }: { config: AppConfig }) {
  const store = useMemo(() => new DeviceStore(localStorage), []);
  const client = useMemo(() => new ConvexClient(config.convexUrl, { unsavedChangesWarning: false }), [config.convexUrl]);
  const online = useOnline();
  const [instances, setInstances] = useState<PairedInstance[]>(() => store.list());
  const [active, setActive] = useState<PairedInstance | undefined>(() => store.active());
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const refresh = () => {
    setInstances(store.list());
    setActive(store.active());
  };

  const pair = async (link: PairingLink) => {
    setBusy(true);
    setError(undefined);
    try {
      await claimPairing(client, store, link, navigator.userAgent);
      setAdding(false);
      refresh();
    } catch (failure) {
      setError(describeFailure(failure, navigator.onLine).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const fragment = takeFragment();
    if (fragment === null) return;
    if (!fragment.ok) setError(fragment.error);
    else void pair(fragment.link);
    // Runs once, at start: the fragment is gone afterwards.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => () => void client.close(), [client]);

  if (active === undefined || adding || busy || error !== undefined) {
    return (
      <PairScreen
        busy={busy}
        error={error}
        online={online}
        site={{ origin: location.origin, convexUrl: config.convexUrl }}
        onPair={(link) => void pair(link)}
        onCancel={active !== undefined ? () => (setAdding(false), setError(undefined)) : undefined}
      />
    );
  }
  return (
    <ChatShell
      key={active.localId}
      client={client}
      instance={active}
      instances={instances}
      online={online}
      onSwitch={(localId) => {
        store.setActive(localId);
        refresh();
      }}
      onForget={(localId) => {
        store.remove(localId);
        refresh();
      }}
      onAdd={() => setAdding(true)}
    />
  );
}
