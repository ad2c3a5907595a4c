// Blazor shows our banner while the browser's connection to the dashboard is down. When the
// dashboard has restarted, its old circuit is gone and the server rejects the reconnection:
// reload so the page comes back live without a person (the default UI does this; a custom one must).
// When Blazor gives up retrying, wait until the server answers again, then reload: reloading an
// unreachable server would leave the browser's error page, which never recovers by itself.
(() => {
    const banner = document.getElementById("components-reconnect-modal");
    if (!banner) return;
    // No inline handlers: the Content-Security-Policy allows scripts from files only.
    document.getElementById("components-reconnect-reload")?.addEventListener("click", e => { e.preventDefault(); location.reload(); });
    let waiting = false;
    async function reloadWhenHealthy() {
        if (waiting) return;
        waiting = true;
        for (;;) {
            try {
                const r = await fetch("healthz", { cache: "no-store" });
                // Any answer from the dashboard itself will do (503 only means the cluster is down); 502/504 come from a proxy in front of it.
                if (r.status !== 502 && r.status !== 504) { location.reload(); return; }
            } catch { /* still down */ }
            await new Promise(resolve => setTimeout(resolve, 2000));
        }
    }
    banner.addEventListener("components-reconnect-state-changed", e => {
        const state = e.detail?.state;
        if (state === "rejected") location.reload();
        else if (state === "failed" || state === "resume-failed") reloadWhenHealthy();
    });
})();
