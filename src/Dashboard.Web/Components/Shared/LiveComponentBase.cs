using Dashboard.ClusterServices.Caching;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A page fed by live cluster feeds. Updates are applied as they arrive, but the page renders at most
/// a few times a second however fast the cluster changes: a 5,000-pod churn must not turn into
/// 5,000 renders and diffs per second per browser.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IAsyncDisposable
{
    /// <summary>At most one render per interval per page.</summary>
    protected virtual TimeSpan RenderInterval => TimeSpan.FromMilliseconds(250);

    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _loops = [];
    readonly List<IAsyncDisposable> _feeds = [];
    int _renderScheduled;
    long _lastRenderTicks;

    // Kept apart from the source: a prerender's data may still be loading when the page is disposed.
    CancellationToken _stopping;
    protected CancellationToken Stopping => _stopping;

    protected LiveComponentBase() => _stopping = _stop.Token;

    /// <summary>How long a prerender waits for a page's data before sending the page without it.</summary>
    static readonly TimeSpan PrerenderWait = TimeSpan.FromMilliseconds(300);

    /// <summary>The first HTML of a visit, before the browser's circuit starts: shown, not live.</summary>
    protected bool Prerendering => !RendererInfo.IsInteractive;

    /// <summary>
    /// Loads the page's data. Live, it is awaited. While prerendering it is awaited briefly: what the shared
    /// caches already hold is in the first paint, and a cold or unreachable cluster does not hold the page
    /// back. The circuit loads it again either way.
    /// </summary>
    protected Task LoadAsync(Func<Task> load) => Prerendering ? Task.WhenAny(load(), Task.Delay(PrerenderWait)) : load();

    /// <summary>How many times this page has rendered: what the render interval bounds.</summary>
    public int Renders { get; private set; }

    protected override void OnAfterRender(bool firstRender) => Renders++;

    /// <summary>Fills <paramref name="target"/> with the feed's snapshot now, then keeps it current until the page goes away.</summary>
    protected void Follow<T>(IViewFeed<T> feed, LiveCollection<T> target, Action? afterUpdate = null)
    {
        lock (_feeds)
        {
            // A prerender that stopped waiting may be gone by the time its feed opens.
            if (_stopping.IsCancellationRequested)
            {
                _ = feed.DisposeAsync().AsTask();
                return;
            }
            _feeds.Add(feed);
            target.Replace(feed.Snapshot);
            feed.ReleaseSnapshot();
            _loops.Add(FollowAsync(feed, target, afterUpdate));
        }
    }

    async Task FollowAsync<T>(IViewFeed<T> feed, LiveCollection<T> target, Action? afterUpdate)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(_stop.Token);
                var changed = false;
                await InvokeAsync(() =>
                {
                    changed = target.Apply(update);
                    if (changed) afterUpdate?.Invoke();
                });
                // Changes to objects this page does not keep (another Deployment's pods) cost no render.
                if (changed) RequestRender();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Asks for a render; coalesces with any already scheduled, and waits out the rest of the interval.</summary>
    protected void RequestRender()
    {
        if (Interlocked.Exchange(ref _renderScheduled, 1) == 1) return;
        _ = RenderSoonAsync();
    }

    async Task RenderSoonAsync()
    {
        try
        {
            var since = TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - Interlocked.Read(ref _lastRenderTicks));
            if (since < RenderInterval) await Task.Delay(RenderInterval - since, _stop.Token);
            Interlocked.Exchange(ref _renderScheduled, 0);
            Interlocked.Exchange(ref _lastRenderTicks, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
            await InvokeAsync(StateHasChanged);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The circuit went away between the update and the render.
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        List<Task> loops;
        List<IAsyncDisposable> feeds;
        lock (_feeds)
        {
            _stop.Cancel();
            loops = [.. _loops];
            feeds = [.. _feeds];
        }
        foreach (var loop in loops) await loop;
        foreach (var feed in feeds) await feed.DisposeAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
