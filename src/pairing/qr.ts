/** Renders the pairing payload as a terminal QR code, or writes it as a PNG/SVG file (0600: it holds the token). */
import { chmod } from "node:fs/promises";
import path from "node:path";
import QRCode from "qrcode";

export async function terminalQr(payload: string): Promise<string> {
  // `small` uses half-block characters: half the height, still scannable from a terminal.
  return QRCode.toString(payload, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}

export async function writeQrFile(file: string, payload: string): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".svg") await QRCode.toFile(file, payload, { type: "svg", errorCorrectionLevel: "M" });
  else if (ext === ".png") await QRCode.toFile(file, payload, { type: "png", errorCorrectionLevel: "M", width: 512 });
  else throw new Error(`--qr-file must end in .png or .svg (got ${file})`);
  await chmod(file, 0o600);
}
