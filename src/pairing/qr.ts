/** Renders the pairing payload as a terminal QR code, or writes it as a PNG/SVG file (0600 from the start: it holds the token). */
import path from "node:path";
import QRCode from "qrcode";
import { writePrivateFile } from "./private-files.js";

export async function terminalQr(payload: string): Promise<string> {
  // `small` uses half-block characters: half the height, still scannable from a terminal.
  return QRCode.toString(payload, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}

export async function writeQrFile(file: string, payload: string): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  // Rendered in memory, then written to a file created 0600: never a moment where it is readable by others.
  if (ext === ".svg") await writePrivateFile(file, await QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M" }));
  else if (ext === ".png") await writePrivateFile(file, await QRCode.toBuffer(payload, { type: "png", errorCorrectionLevel: "M", width: 512 }));
  else throw new Error(`--qr-file must end in .png or .svg (got ${file})`);
}
