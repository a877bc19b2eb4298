/** Best-effort check of systemd's linger setting: without it a user service stops at logout. */
import type { CommandRunner } from "./runner.js";

export type LingerState = { state: "on" } | { state: "off" } | { state: "unknown"; reason: string };

export async function checkLinger(runner: CommandRunner, username: string): Promise<LingerState> {
  const result = await runner("loginctl", ["show-user", username, "-p", "Linger"]);
  if (result.code === 127) return { state: "unknown", reason: "loginctl is not installed" };
  const match = /^Linger=(yes|no)$/m.exec(result.stdout);
  if (result.code !== 0 || !match) {
    const said = (result.stderr || result.stdout).trim().split("\n")[0] ?? "";
    return { state: "unknown", reason: said || `loginctl exited ${result.code}` };
  }
  return match[1] === "yes" ? { state: "on" } : { state: "off" };
}

/** The hint printed after install, or undefined when there is nothing to say. */
export function lingerNote(linger: LingerState, username: string): string | undefined {
  if (linger.state === "off") {
    return (
      `Linger is off for ${username}: the relay stops when you log out and starts at your next login.\n` +
      `To keep it running: loginctl enable-linger ${username}`
    );
  }
  if (linger.state === "unknown") {
    return `Could not check linger (${linger.reason}); if the relay should run while you are logged out: loginctl enable-linger ${username}`;
  }
  return undefined;
}
