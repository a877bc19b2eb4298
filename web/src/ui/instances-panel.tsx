/** The relays paired on this device: switch, unpair one, pair another. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PairedInstance } from "../device-store.js";
import { describeFailure } from "../errors.js";

export interface InstancesPanelProps {
  instances: PairedInstance[];
  activeId: string;
  onClose: () => void;
  onSwitch: (localId: string) => void;
  onUnpair: (instance: PairedInstance) => Promise<void>;
  onAdd: () => void;
}

export function InstancesPanel({ instances, activeId, onClose, onSwitch, onUnpair, onAdd }: InstancesPanelProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [confirming, setConfirming] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // A modal <dialog> traps focus and answers Escape, which screen readers announce as a dialog.
    dialog.current?.showModal();
  }, []);
  const unpair = async (instance: PairedInstance) => {
    setBusy(true);
    setError(undefined);
    try {
      await onUnpair(instance);
      setConfirming(undefined);
    } catch (failure) {
      setError(`Could not unpair: ${describeFailure(failure, navigator.onLine).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="panel" aria-labelledby="relays-title" onClose={onClose}>
      <div class="panel-head">
        <h2 id="relays-title">Relays</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <ul class="instance-list">
        {instances.map((instance) => (
          <li key={instance.localId} class="instance">
            <button
              type="button"
              class="instance-name"
              aria-current={instance.localId === activeId ? "true" : undefined}
              onClick={() => onSwitch(instance.localId)}
            >
              {instance.instanceName}
            </button>
            {confirming === instance.localId ? (
              <span class="confirm">
                <button type="button" class="danger small" disabled={busy} onClick={() => void unpair(instance)}>
                  Unpair {instance.instanceName}
                </button>
                <button type="button" class="small" onClick={() => setConfirming(undefined)}>
                  Keep
                </button>
              </span>
            ) : (
              <button type="button" class="small" onClick={() => setConfirming(instance.localId)}>
                Unpair…
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" class="primary" onClick={onAdd}>
        Pair another relay
      </button>
    </dialog>
  );
}
