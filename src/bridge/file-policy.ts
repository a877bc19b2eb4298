/** The Gateway's attachment limits as Convex takes them (`files.setPolicy`), so devices check files before uploading. */
import type { AttachmentPolicy } from "../gateway/chat-attachments.js";
import type { RelayArgs } from "../convex-sync/relay-api.js";
import type { api } from "../convex-sync/relay-api.js";

export type FilePolicyArgs = RelayArgs<typeof api.files.setPolicy>;

/**
 * What to publish for a connection's advertised policy; undefined when the Gateway advertises no file limit
 * (an older one): Convex then keeps its own defaults rather than a guess of ours. An image limit left out
 * is the file limit, as the Gateway itself applies it.
 */
export function filePolicyArgs(policy: AttachmentPolicy | undefined, retentionDays?: number): FilePolicyArgs | undefined {
  const maxBytes = policy?.maxBytes;
  if (maxBytes === undefined) return undefined;
  const floor = (n: number) => Math.max(1, Math.floor(n));
  return {
    maxBytes: floor(maxBytes),
    maxImageBytes: floor(Math.min(policy?.maxImageBytes ?? maxBytes, maxBytes)),
    ...(retentionDays !== undefined ? { retentionMs: floor(retentionDays) * DAY_MS } : {}),
  };
}

const DAY_MS = 24 * 60 * 60_000;
