/** Rows of a live query, opened (decrypted) for display; the last opened list stays until the next is ready. */
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
