/** Small hooks over browser state: network, the Convex connection, a clock for "last seen" labels. */
import type { ConvexClient } from "convex/browser";
import { useEffect, useState } from "preact/hooks";

/** navigator.onLine, kept current by the online/offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

/** Whether the Convex WebSocket is up (true until it is known to be down, so the first paint is calm). */
export function useConnected(client: ConvexClient): boolean {
  const [connected, setConnected] = useState(true);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = client.subscribeToConnectionState((state) => {
      clearTimeout(timer);
      // A reconnect that succeeds within a moment is not worth a banner.
      if (state.isWebSocketConnected) setConnected(true);
      else timer = setTimeout(() => setConnected(false), state.hasEverConnected ? 1500 : 5000);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [client]);
  return connected;
}

/** Date.now(), refreshed every `everyMs`. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** The value of a Convex query, live; `error` when the query throws (e.g. the device was unpaired). */
export function useQuery<T>(subscribe: (onValue: (value: T) => void, onError: (error: Error) => void) => () => void, deps: unknown[]): { value?: T; error?: Error } {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  useEffect(() => {
    setState({});
    return subscribe(
      (value) => setState({ value }),
      (error) => setState((old) => ({ ...old, error })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
