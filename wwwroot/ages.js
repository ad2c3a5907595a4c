// Ages tick in the browser. The server writes each age (pods, events, revisions, Deployments) into a
// <time class="age" datetime="..."> as of when it made the markup, which every open page shares; this
// keeps each one current, in kubectl's words (apimachinery's duration.HumanDuration), with the browser's
// clock as kubectl uses its own: whenever the dashboard changes the page (in the same frame), and every
// 5 s on an idle page. Each tick that changes text costs the browser a frame (a full layout of a long
// page: about 30 ms of headless Chromium's CPU here), so an idle page does not tick every second.
(() => {
    function human(ms) {
        // kubectl says "<invalid>" for a start in the future; here that only means this browser's clock is behind.
        const seconds = Math.max(0, Math.floor(ms / 1000));
        if (seconds < 120) return `${seconds}s`;
        const minutes = Math.floor(seconds / 60);
        if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
        if (minutes < 180) return `${minutes}m`;
        const hours = Math.floor(minutes / 60);
        if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
        if (hours < 48) return `${hours}h`;
        if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
        if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
        if (hours < 24 * 365 * 8) {
            const days = Math.floor(hours / 24) % 365;
            return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
        }
        return `${Math.floor(hours / 24 / 365)}y`;
    }
    function tick() {
        if (document.hidden) return;
        const now = Date.now();
        for (const time of document.querySelectorAll("time.age[datetime]")) {
            const since = Date.parse(time.dateTime);
            if (Number.isNaN(since)) continue;
            const text = human(now - since);
            if (time.textContent !== text) time.textContent = text;
        }
    }
    tick();
    setInterval(tick, 5000);
    // Rows the dashboard has just rendered carry the age as of when the server made them (shared by every
    // page, so up to seconds behind for a new pod): put them right before they are painted.
    let pending = false;
    const observer = new MutationObserver(() => {
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => {
            pending = false;
            tick();
            observer.takeRecords(); // our own text changes are not news
        });
    });
    observer.observe(document.body, { childList: true, subtree: true });
})();
