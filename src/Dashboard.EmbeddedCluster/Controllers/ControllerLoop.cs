using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>
/// The controller manager's work queue: deduplicated keys, delayed requeues, one worker. One worker
/// keeps every controller's reads and writes ordered, the way each upstream controller processes one
/// key at a time, and keeps the simulation deterministic enough to test.
/// </summary>
public sealed class ControllerLoop(TimeProvider clock, ILogger logger) : IAsyncDisposable
{
    readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    readonly HashSet<string> _pending = [];
    readonly Lock _gate = new();
    readonly Dictionary<string, Action<string>> _handlers = [];
    readonly Dictionary<string, (DateTimeOffset Due, ITimer Timer)> _timers = [];
    readonly CancellationTokenSource _stop = new();
    Task? _worker;

    public void Register(string kind, Action<string> handler) => _handlers[kind] = handler;

    public void Enqueue(string kind, string key)
    {
        var item = $"{kind}|{key}";
        lock (_gate)
        {
            if (!_pending.Add(item)) return;
        }
        _queue.Writer.TryWrite(item);
    }

    /// <summary>Runs the key again after a delay; an earlier pending wake-up for the same key wins.</summary>
    public void EnqueueAfter(string kind, string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) { Enqueue(kind, key); return; }
        var item = $"{kind}|{key}";
        var due = clock.GetUtcNow() + delay;
        lock (_gate)
        {
            if (_timers.TryGetValue(item, out var existing))
            {
                if (existing.Due <= due) return;
                existing.Timer.Dispose();
            }
            var timer = clock.CreateTimer(_ =>
            {
                lock (_gate) _timers.Remove(item);
                Enqueue(kind, key);
            }, null, delay, Timeout.InfiniteTimeSpan);
            _timers[item] = (due, timer);
        }
    }

    public void Start() => _worker = Task.Run(RunAsync);

    async Task RunAsync()
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                lock (_gate) _pending.Remove(item);
                var split = item.IndexOf('|');
                var kind = item[..split];
                var key = item[(split + 1)..];
                if (!_handlers.TryGetValue(kind, out var handler)) continue;
                try
                {
                    handler(key);
                }
                catch (Api.ApiException e) when (e.Code is 409 or 404)
                {
                    // Someone wrote in between: read again and retry, as upstream controllers requeue.
                    EnqueueAfter(kind, key, TimeSpan.FromMilliseconds(20));
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Controller {Kind} failed on {Key}; retrying", kind, key);
                    EnqueueAfter(kind, key, TimeSpan.FromSeconds(1));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.Writer.TryComplete();
        if (_worker is not null) await _worker;
        lock (_gate)
        {
            foreach (var (_, timer) in _timers.Values) timer.Dispose();
            _timers.Clear();
        }
        _stop.Dispose();
    }
}
