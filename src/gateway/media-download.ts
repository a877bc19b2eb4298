/** The bytes of a transcript artifact: `artifacts.download`, then (for managed media) one GET of the short-lived link it gives. */
import { isRecord, nonEmptyStr, num, str } from "../json-values.js";
import { GatewayError, GatewayProtocolError, type GatewayFailureKind } from "./gateway-errors.js";
import type { MediaKind } from "./transcript-media.js";

/** The relay's own limits on a downloaded file. */
export const MEDIA_DOWNLOAD_LIMITS = {
  /** Largest file the relay takes from the Gateway: its own attachment ceiling is 20 MB by default. */
  maxBytes: 25 * 1024 * 1024,
  /** How long the GET of a download link may take. */
  timeoutMs: 60_000,
} as const;

/** A downloaded file: plain data the bridge can store. */
export interface DownloadedMedia {
  artifactId: string;
  kind: MediaKind;
  mimeType: string;
  fileName: string | undefined;
  bytes: Uint8Array;
}

export type MediaDownloadCode = "MEDIA_TOO_LARGE" | "MEDIA_UNAVAILABLE" | "MEDIA_LINK_EXPIRED" | "MEDIA_FETCH_FAILED";

/**
 * A download that failed after the Gateway answered. Classified here: too large or unavailable is final
 * (`rejected`); an expired or refused link and a network failure are worth one more try (`transient`):
 * a new `artifacts.download` gives a fresh link.
 */
export class MediaDownloadError extends GatewayError {
  constructor(code: MediaDownloadCode, message: string) {
    const kind: GatewayFailureKind = code === "MEDIA_TOO_LARGE" || code === "MEDIA_UNAVAILABLE" ? "rejected" : "transient";
    super(code, message, kind);
  }
}

export type FetchLike = (url: string, init: { signal: AbortSignal; redirect: "error" }) => Promise<Response>;

export interface MediaDownloadDeps {
  /** Sends one Gateway request (GatewayConnection's own call): artifacts.download needs operator.read. */
  request: (method: string, params: unknown) => Promise<unknown>;
  /** The Gateway's WebSocket URL: its links are relative to the same origin over HTTP(S). */
  gatewayUrl: string;
  /** A pinned certificate: the platform fetch can't pin, so such a Gateway's links are not fetched. */
  tlsFingerprint?: string | undefined;
  fetch?: FetchLike;
  maxBytes?: number;
}

/** The Gateway's HTTP origin for a ws:// or wss:// URL. */
export function gatewayHttpOrigin(gatewayUrl: string): string {
  const url = new URL(gatewayUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

interface DownloadAnswer {
  kind: MediaKind;
  mimeType: string | undefined;
  fileName: string | undefined;
  sizeBytes: number | undefined;
  data: string | undefined;
  url: string | undefined;
}

function parseDownloadAnswer(payload: unknown): DownloadAnswer {
  if (!isRecord(payload)) throw new GatewayProtocolError("artifacts.download: answer is not an object");
  const artifact = isRecord(payload.artifact) ? payload.artifact : {};
  const type = str(artifact.type);
  const kind: MediaKind = type === "image" || type === "audio" || type === "video" ? type : "document";
  const data = payload.encoding === "base64" ? nonEmptyStr(payload.data) : undefined;
  const url = nonEmptyStr(payload.url);
  if (!data && !url) throw new MediaDownloadError("MEDIA_UNAVAILABLE", `the Gateway offers no download for this artifact (mode ${str(isRecord(artifact.download) ? artifact.download.mode : undefined) ?? "none"})`);
  return { kind, mimeType: nonEmptyStr(artifact.mimeType), fileName: nonEmptyStr(artifact.title), sizeBytes: num(artifact.sizeBytes), data, url };
}

const tooLarge = (size: number, max: number) => new MediaDownloadError("MEDIA_TOO_LARGE", `the file is ${size} bytes; the relay takes at most ${max}`);

/** Reads a response body, stopping as soon as it passes `max` bytes. */
async function readCapped(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(declared, max);
  if (!response.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(total, max);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

async function fetchLink(link: string, deps: MediaDownloadDeps, max: number): Promise<Uint8Array> {
  if (deps.tlsFingerprint) {
    throw new MediaDownloadError("MEDIA_UNAVAILABLE", "media download from a Gateway with a pinned TLS certificate is not supported");
  }
  const origin = gatewayHttpOrigin(deps.gatewayUrl);
  const url = new URL(link, origin);
  // The link must stay on the Gateway: a link elsewhere would send the relay's request to another host.
  if (url.origin !== origin) throw new MediaDownloadError("MEDIA_UNAVAILABLE", "the Gateway's download link points to another host");
  const fetchImpl: FetchLike = deps.fetch ?? ((u, init) => fetch(u, init));
  let response: Response;
  try {
    response = await fetchImpl(url.href, { signal: AbortSignal.timeout(MEDIA_DOWNLOAD_LIMITS.timeoutMs), redirect: "error" });
  } catch (error) {
    throw new MediaDownloadError("MEDIA_FETCH_FAILED", `media download failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 401 || response.status === 403 || response.status === 410) {
    throw new MediaDownloadError("MEDIA_LINK_EXPIRED", `the Gateway refused the download link (HTTP ${response.status})`);
  }
  if (response.status === 404) throw new MediaDownloadError("MEDIA_UNAVAILABLE", "the Gateway no longer has this file (HTTP 404)");
  if (!response.ok) throw new MediaDownloadError("MEDIA_FETCH_FAILED", `media download failed: HTTP ${response.status}`);
  try {
    return await readCapped(response, max);
  } catch (error) {
    if (error instanceof MediaDownloadError) throw error;
    throw new MediaDownloadError("MEDIA_FETCH_FAILED", `media download broke off: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The bytes of one artifact of a session's transcript (a `TranscriptMedia` with source `artifact`).
 * Inline artifacts come base64 in the answer; managed media as a Gateway-relative link valid for
 * minutes, fetched at once. Sizes are checked before and while reading.
 */
export async function downloadArtifact(params: { sessionKey: string; artifactId: string }, deps: MediaDownloadDeps): Promise<DownloadedMedia> {
  const max = deps.maxBytes ?? MEDIA_DOWNLOAD_LIMITS.maxBytes;
  const answer = parseDownloadAnswer(await deps.request("artifacts.download", { sessionKey: params.sessionKey, artifactId: params.artifactId }));
  if (answer.sizeBytes !== undefined && answer.sizeBytes > max) throw tooLarge(answer.sizeBytes, max);
  let bytes: Uint8Array;
  if (answer.data) {
    bytes = Buffer.from(answer.data, "base64");
    if (bytes.byteLength > max) throw tooLarge(bytes.byteLength, max);
  } else {
    bytes = await fetchLink(answer.url!, deps, max);
  }
  if (answer.sizeBytes !== undefined && bytes.byteLength !== answer.sizeBytes) {
    throw new MediaDownloadError("MEDIA_FETCH_FAILED", `the download has ${bytes.byteLength} bytes; the Gateway announced ${answer.sizeBytes}`);
  }
  return {
    artifactId: params.artifactId,
    kind: answer.kind,
    mimeType: answer.mimeType ?? "application/octet-stream",
    fileName: answer.fileName,
    bytes,
  };
}
