/** Turns the official client's TLS failures (pin mismatch, untrusted certificate) into errors that say what to do. */
import { GatewayError } from "./gateway-errors.js";
import { formatFingerprint, normalizeFingerprint } from "./gateway-transport.js";

/** A wss:// connection refused before any Gateway frame: retrying will not help until a person fixes the pin or trust. */
export class GatewayTlsError extends GatewayError {
  readonly hint: string;
  constructor(code: "TLS_FINGERPRINT_MISMATCH" | "TLS_CERT_UNTRUSTED", message: string, hint: string) {
    super(code, message);
    this.name = "GatewayTlsError";
    this.hint = hint;
  }
}

// Node's codes for a chain it cannot verify against the system trust store.
const UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

// The same failures by Node's message, for when the client re-wraps the error and drops its code.
const UNTRUSTED_MESSAGE =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|does not match certificate's altnames/i;

const HOW_TO_READ_PIN = "read it on the Gateway host with `openssl x509 -in <cert.pem> -noout -fingerprint -sha256`";

/**
 * Watches the fingerprints the official client compares (it reports a mismatch without them),
 * and rewrites its TLS errors. One per connect attempt.
 */
export class TlsPinObserver {
  private observed: string | undefined;
  // Plain fields, no parameter properties: e2e children load src/gateway with type stripping.
  private readonly url: string;
  private readonly expected: string | undefined;
  constructor(url: string, expected: string | undefined) {
    this.url = url;
    this.expected = expected;
  }

  /** For hostDeps.normalizeTlsFingerprint: the client passes the peer's fingerprint and the pin through here. */
  readonly normalize = (raw: string | undefined): string => {
    const hex = (raw && normalizeFingerprint(raw)) || "";
    if (hex && hex !== this.expected) this.observed = hex;
    return hex;
  };

  /** The error to report instead of `error`, or `error` itself when it is not about TLS. */
  explain(error: Error): Error {
    const { message } = error;
    const code = (error as { code?: unknown }).code;
    if (this.expected && message.includes("gateway tls fingerprint mismatch")) {
      const actual = this.observed ? formatFingerprint(this.observed) : "unknown";
      return new GatewayTlsError(
        "TLS_FINGERPRINT_MISMATCH",
        `the certificate of ${this.url} does not match the pinned fingerprint: expected sha256 ${formatFingerprint(this.expected)}, got sha256 ${actual}`,
        `if the Gateway's certificate was replaced on purpose, update gateway.remote.tlsFingerprint (or the relay's gateway.tlsFingerprint) to the new fingerprint (${HOW_TO_READ_PIN}); otherwise something is intercepting the connection`,
      );
    }
    const untrusted = (typeof code === "string" && UNTRUSTED_CODES.has(code)) || UNTRUSTED_MESSAGE.test(message);
    if (!this.expected && this.url.startsWith("wss:") && untrusted) {
      return new GatewayTlsError(
        "TLS_CERT_UNTRUSTED",
        `the certificate of ${this.url} is not trusted by this system (${typeof code === "string" ? `${code}: ` : ""}${message.replace(/^Error: /, "")})`,
        `for a self-signed Gateway certificate set gateway.remote.tlsFingerprint (or the relay's gateway.tlsFingerprint) to its SHA-256 fingerprint (${HOW_TO_READ_PIN}); otherwise install a certificate this system trusts`,
      );
    }
    return error;
  }
}
