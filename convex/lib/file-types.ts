/** The MIME types a file may declare, and which of them count as images (the Gateway's `maxImageBytes` applies). */

/** Images the Gateway passes to a model as image parts. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif"]);

/** Other files: documents, plain text and data, audio and video (agent media and voice notes). */
export const OTHER_FILE_TYPES: ReadonlySet<string> = new Set([
  "application/pdf",
  "application/json",
  "text/plain",
  "text/markdown",
  "text/csv",
  "audio/mpeg",
  "audio/mp4",
  "audio/ogg",
  "audio/wav",
  "audio/webm",
  "video/mp4",
  "video/webm",
]);

export function isImageType(type: string): boolean {
  return IMAGE_TYPES.has(type);
}

export function isAllowedFileType(type: string): boolean {
  return IMAGE_TYPES.has(type) || OTHER_FILE_TYPES.has(type);
}
