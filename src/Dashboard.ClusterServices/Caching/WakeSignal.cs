using System.Threading.Tasks.Sources;

namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// Wakes one reader: <see cref="Set"/> completes its pending wait, or, when none is pending, makes the
/// next wait return at once. With <c>inline</c> the woken reader runs on the thread that calls
/// <see cref="Set"/> until it next waits: a feed that wakes 200 hub streams then writes each of them
/// itself, instead of queueing 200 work items behind whatever else the thread pool holds (the pool's
/// queue is what every other hop of an event, on its way in too, waits in).
/// </summary>
sealed class WakeSignal(bool inline) : IValueTaskSource
{
    readonly Lock _gate = new();
    ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = !inline };
    CancellationTokenRegistration _cancellation;
    bool _set, _waiting;

    /// <summary>Waits until set (one reader at a time).</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
            _core.Reset();
            _waiting = true;
        }
        var version = _core.Version;
        if (cancellationToken.CanBeCanceled)
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((WakeSignal)state!).Complete(new OperationCanceledException(token)), this);
        return new ValueTask(this, version);
    }

    /// <summary>Completes the pending wait (running an inline reader now), or lets the next one through.</summary>
    public void Set() => Complete(null);

    void Complete(Exception? cancelled)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                if (cancelled is null) _set = true;
                return;
            }
            _waiting = false;
        }
        if (cancelled is null) _core.SetResult(true);
        else _core.SetException(cancelled);
    }

    public void GetResult(short token)
    {
        // Unregister, not Dispose: a cancelled reader running inline in the token's callback must not wait for that callback.
        _cancellation.Unregister();
        _core.GetResult(token);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
