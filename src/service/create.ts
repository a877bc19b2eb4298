/** Picks the service manager for this platform: systemd --user on Linux, launchd on macOS. */
import { ServiceError, type ManagerDeps, type ServiceManager } from "./manager.js";

export async function createServiceManager(deps: ManagerDeps): Promise<ServiceManager> {
  if (deps.platform === "linux") {
    const { SystemdService } = await import("./systemd.js");
    return new SystemdService(deps);
  }
  if (deps.platform === "darwin") {
    const { LaunchdService } = await import("./launchd.js");
    return new LaunchdService(deps);
  }
  throw new ServiceError(
    "SERVICE_UNSUPPORTED",
    `Service management is not supported on ${deps.platform} (only Linux with systemd and macOS).`,
    "Run `fastclaw-relay run` under your own supervisor instead.",
  );
}
