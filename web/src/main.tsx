/** Entry point: loads the deployment's config, registers the service worker, renders the app. */
import { render } from "preact";
import { loadConfig } from "./config.js";
import { App } from "./ui/app.js";

function Unavailable({ offline }: { offline: boolean }) {
  return (
    <main class="pair">
      <div class="pair-card">
        <h1>FastClaw</h1>
        <p class="error" role="alert">
          {offline
            ? "You are offline, and this device has not opened FastClaw online before. Open it again when you are online."
            : "This deployment did not say where its backend is (/app-config.json). Redeploy the FastClaw functions."}
        </p>
      </div>
    </main>
  );
}

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (!root) return;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {
      // Without it the app still works online; it just can't open offline.
    });
  }
  const config = await loadConfig(localStorage);
  render(config === null ? <Unavailable offline={!navigator.onLine} /> : <App config={config} />, root);
}

void start();
