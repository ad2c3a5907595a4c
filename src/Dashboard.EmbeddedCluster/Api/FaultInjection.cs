using System.Text.Json.Nodes;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// Faults a test can switch on through <c>POST /_embedded/faults</c>: failing or slow requests,
/// dropped watches and expired resourceVersions, for a limited time. Embedded mode only.
/// </summary>
public sealed class FaultInjection(TimeProvider clock)
{
    readonly Lock _gate = new();
    Settings? _active;

    public sealed record Settings(double ErrorRate, int ErrorCode, int LatencyMs, bool DropWatches, bool ExpireWatches, int RetryAfterSeconds, DateTimeOffset? Until);

    public Settings? Active
    {
        get
        {
            lock (_gate)
            {
                if (_active?.Until is { } until && clock.GetUtcNow() > until) _active = null;
                return _active;
            }
        }
    }

    public Settings Set(JsonObject body)
    {
        var forSeconds = body["forSeconds"]?.ToString() is { } f && double.TryParse(f, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : (double?)null;
        var settings = new Settings(
            ErrorRate: double.TryParse(body["errorRate"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var rate) ? Math.Clamp(rate, 0, 1) : 0,
            ErrorCode: body["errorCode"]?.ToInt() ?? 500,
            LatencyMs: body["latencyMs"]?.ToInt() ?? 0,
            DropWatches: body["dropWatches"]?.ToString() == "true",
            ExpireWatches: body["expireWatches"]?.ToString() == "true",
            RetryAfterSeconds: body["retryAfterSeconds"]?.ToInt() ?? 1,
            Until: forSeconds is { } secs ? clock.GetUtcNow().AddSeconds(secs) : null);
        lock (_gate) _active = settings;
        return settings;
    }

    public void Clear()
    {
        lock (_gate) _active = null;
    }

    public JsonObject Describe()
    {
        var a = Active;
        return a is null
            ? new JsonObject { ["active"] = false }
            : new JsonObject
            {
                ["active"] = true, ["errorRate"] = a.ErrorRate, ["errorCode"] = a.ErrorCode, ["latencyMs"] = a.LatencyMs,
                ["dropWatches"] = a.DropWatches, ["expireWatches"] = a.ExpireWatches, ["until"] = a.Until?.ToString("O"),
            };
    }
}
