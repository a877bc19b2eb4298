/** The trial's own Gateway: the real OpenClaw Gateway from the devDependencies, answering through the stub model. */
import { startLocalGateway } from "../devkit/local-gateway.js";
import { startStubModelServer } from "../devkit/stub-model-server.js";
import type { TrialGateway } from "./gateway-choice.js";

export async function startTrialGateway(stateDir: string, log: (line: string) => void): Promise<TrialGateway> {
  const stub = await startStubModelServer();
  try {
    const gateway = await startLocalGateway({ modelBaseUrl: stub.baseUrl, modelId: stub.modelId, stateDir, log });
    return {
      url: gateway.url,
      token: gateway.token,
      started: true,
      description: `Trial Gateway ${gateway.url} (pid ${gateway.pid ?? "?"}, state ${stateDir}, log ${gateway.stdioLogFile}).`,
      kill: () => {
        const pid = gateway.pid;
        if (pid !== undefined) process.kill(pid, "SIGKILL");
      },
      stop: async () => {
        await gateway.stop();
        await stub.close();
      },
    };
  } catch (error) {
    await stub.close();
    throw error;
  }
}
