/** Values of live queries, opened (decrypted) for display: Web Crypto answers asynchronously. */
import { useEffect, useState } from "preact/hooks";

export function useOpened<R, T>(rows: R[] | undefined, open: (row: R) => Promise<T>): T[] | undefined {
  const [shown, setShown] = useState<T[] | undefined>(undefined);
  useEffect(() => {
    if (rows === undefined) return;
    let current = true;
    void Promise.all(rows.map(open)).then((opened) => {
      if (current) setShown(opened);
    });
    return () => {
      current = false;
    };
  }, [rows, open]);
  return shown;
}

/** The value `compute` resolves to for the current `deps`; undefined until it has. */
export function useResolved<T>(compute: () => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let current = true;
    void compute().then((resolved) => {
      if (current) setValue(resolved);
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value;
}
