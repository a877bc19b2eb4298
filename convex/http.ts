/** HTTP actions at the deployment's site URL (`https://<name>.convex.site`): the embedded web app and its config. */
import { httpRouter } from "convex/server";
import { httpAction } from "./_generated/server.js";
import { deploymentUrls } from "./lib/deployment-urls.js";
import { WEB_ASSETS } from "./lib/web-assets.generated.js";
import { prepareAssets, serveWeb, type AssetTable } from "./lib/web-serve.js";

// Decoded once per isolate, on the first request, not at every module load.
let assets: AssetTable | undefined;

const http = httpRouter();

// One prefix route: the router answers HEAD with the GET route; serveWeb handles the SPA fallback and 404s.
http.route({
  pathPrefix: "/",
  method: "GET",
  handler: httpAction(async (_ctx, request) => {
    assets ??= prepareAssets(WEB_ASSETS);
    return serveWeb(request, assets, deploymentUrls());
  }),
});

export default http;
