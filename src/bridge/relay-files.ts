/** The relay's two file paths built from its ports: app files for chat.send (AppFiles), agent media into Convex (MediaMirror). */
import type { FunctionReturnType } from "convex/server";
import type { Id } from "../../convex/_generated/dataModel.js";
import { uploadSealedFile, type FetchPort } from "../convex-sync/file-transfer.js";
import { api, type RelayArgs, type RelayMutation, type RelayQuery, type RelayResult } from "../convex-sync/relay-api.js";
import type { Clock } from "../gateway/clock.js";
import type { GatewayConnection } from "../gateway/gateway-connection.js";
import { mirroredMedia } from "../gateway/transcript-row.js";
import type { Logger } from "../logging/logger.js";
import { AppFiles } from "./app-files.js";
import { MediaMirror } from "./media-mirror.js";
import type { SealedConvex } from "./sealed-convex.js";

/** One-off relay calls that Convex itself answers (not spooled); the credential is added by the link. */
export interface RelayCalls {
  query<Q extends RelayQuery>(fn: Q, args: RelayArgs<Q>): Promise<RelayResult<Q>>;
  mutate<F extends RelayMutation>(fn: F, args: RelayArgs<F>): Promise<FunctionReturnType<F>>;
}

export interface RelayFilesPorts {
  convex: RelayCalls;
  /** Files are sealed and opened with the content key, bound to their message's session. */
  sealing: Pick<SealedConvex, "openAppFile" | "openAppFileName" | "sealGatewayFile" | "sealGatewayFileName">;
  gateway: Pick<GatewayConnection, "downloadMedia" | "chatMessageGet">;
  /** Downloads from and uploads to Convex storage URLs. */
  fetch: FetchPort;
  logger: Logger;
  clock?: Clock;
}

export interface RelayFiles {
  attachments: AppFiles;
  media: MediaMirror;
}

/** Message ids reach the bridge as strings; Convex checks that they are ids of this instance's messages. */
const messageId = (id: string) => id as Id<"messages">;

export function relayFiles(ports: RelayFilesPorts): RelayFiles {
  const { convex, sealing, gateway, logger } = ports;
  const fetch = ports.fetch;
  const clock = ports.clock !== undefined ? { clock: ports.clock } : {};
  const attachments = new AppFiles({
    filesOf: (id) => convex.query(api.files.forMessage, { messageId: messageId(id) }),
    fetch,
    open: (id, attachmentId, bytes) => sealing.openAppFile(id, attachmentId, bytes),
    openName: (id, attachmentId, nameEnc) => sealing.openAppFileName(id, attachmentId, nameEnc),
    ...clock,
  });
  const media = new MediaMirror({
    messageIdOf: (gatewayMessageId) => convex.query(api.files.gatewayMessage, { gatewayMessageId }),
    attachedIds: (id) => convex.query(api.files.attachmentIds, { messageId: messageId(id) }),
    download: (sessionKey, artifactId) => gateway.downloadMedia({ sessionKey, artifactId }),
    reread: async (sessionKey, gatewayMessageId) => {
      const result = await gateway.chatMessageGet({ sessionKey, messageId: gatewayMessageId });
      return result.ok ? mirroredMedia(result.message) : undefined;
    },
    seal: (sessionKey, attachmentId, bytes) => sealing.sealGatewayFile(sessionKey, attachmentId, bytes),
    sealName: (sessionKey, attachmentId, name) => sealing.sealGatewayFileName(sessionKey, attachmentId, name),
    upload: (sealed) => uploadSealedFile({ uploadUrl: () => convex.mutate(api.files.relayUploadUrl, {}), fetch }, sealed),
    attach: async (id, file) => {
      await convex.mutate(api.files.attach, { messageId: messageId(id), files: [{ ...file, storageId: file.storageId as Id<"_storage"> }] });
    },
    logger,
    ...clock,
  });
  return { attachments, media };
}
