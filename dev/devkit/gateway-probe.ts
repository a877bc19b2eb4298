/** One raw connect attempt against a Gateway: is it accepting operators yet? (for harnesses, not the relay). */
import WebSocket from "ws";

export type ProbeResult =
  | { ok: true; protocol: number; serverVersion: string }
  | { ok: false; code: string; message: string; retryAfterMs?: number };

interface ResFrame {
  type: "res";
  id: string;
  ok: boolean;
  payload?: { protocol?: unknown; server?: { version?: unknown } };
  error?: { code?: unknown; message?: unknown; retryAfterMs?: unknown };
}

/**
 * Opens a socket, waits for `connect.challenge`, sends a device-less `gateway-client`/`probe`
 * connect with the token, and reports the outcome. A loopback backend probe needs no device
 * identity; its scopes are irrelevant because it only checks that hello-ok comes back.
 */
export function probeGatewayConnect(url: string, token: string | undefined, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        ws.terminate();
      } catch {
        // already closed
      }
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, code: "PROBE_TIMEOUT", message: `no hello-ok within ${timeoutMs} ms` }), timeoutMs);
    ws.on("error", (err) => finish({ ok: false, code: "SOCKET_ERROR", message: err.message }));
    ws.on("close", (code, reason) => finish({ ok: false, code: "CLOSED", message: `closed ${code} ${reason.toString()}` }));
    ws.on("message", (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (!frame || typeof frame !== "object") return;
      const f = frame as { type?: unknown; event?: unknown };
      if (f.type === "event" && f.event === "connect.challenge") {
        ws.send(
          JSON.stringify({
            type: "req",
            id: "probe-1",
            method: "connect",
            params: {
              minProtocol: 3,
              maxProtocol: 4,
              client: { id: "gateway-client", version: "0.0.0", platform: process.platform, mode: "probe", displayName: "fastclaw-relay devkit probe" },
              role: "operator",
              scopes: [],
              caps: [],
              ...(token ? { auth: { token } } : {}),
            },
          }),
        );
        return;
      }
      if (f.type === "res") {
        const res = frame as ResFrame;
        if (res.ok) {
          finish({
            ok: true,
            protocol: typeof res.payload?.protocol === "number" ? res.payload.protocol : 0,
            serverVersion: typeof res.payload?.server?.version === "string" ? res.payload.server.version : "",
          });
        } else {
          finish({
            ok: false,
            code: typeof res.error?.code === "string" ? res.error.code : "UNKNOWN",
            message: typeof res.error?.message === "string" ? res.error.message : "connect rejected",
            ...(typeof res.error?.retryAfterMs === "number" ? { retryAfterMs: res.error.retryAfterMs } : {}),
          });
        }
      }
    });
  });
}
