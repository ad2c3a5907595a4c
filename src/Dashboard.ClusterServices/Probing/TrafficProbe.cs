using System.Collections.Immutable;
using System.Diagnostics;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;

namespace Dashboard.ClusterServices.Probing;

/// <summary>One second of probe traffic: how many requests were answered, how fast, and by which version.</summary>
public sealed record ProbeSecond(DateTimeOffset At, int Ok, int Failed, double LatencyP50Ms, double LatencyMaxMs, IReadOnlyDictionary<string, int> Answers, string? Revision, bool InRollout);

public sealed record ProbeFailure(DateTimeOffset At, string Message);

/// <summary>What users of the Service would have seen during one rollout.</summary>
public sealed record RolloutVerdict(string Revision, long Ok, long Failed)
{
    public string Sentence => Failed == 0
        ? $"no failed requests during rollout {Revision}"
        : $"{Failed} failed request{(Failed == 1 ? "" : "s")} of {Ok + Failed} during rollout {Revision}";
}

/// <summary>An immutable picture of a probe, for pages and the wall.</summary>
public sealed record ProbeSnapshot(
    string Namespace, string Deployment, string Service, string Url, int RatePerSecond, bool Running, string? StoppedReason,
    DateTimeOffset StartedAt, long Ok, long Failed, IReadOnlyList<ProbeSecond> Seconds, IReadOnlyList<ProbeFailure> RecentFailures,
    IReadOnlyList<RolloutVerdict> Verdicts)
{
    public double SuccessRate => Ok + Failed == 0 ? 1 : Ok / (double)(Ok + Failed);
}

/// <summary>
/// A steady, bounded stream of requests to a Service while a person watches a rollout: success rate,
/// latency and which version answered, second by second, and a verdict per rollout. At most
/// <see cref="RatePerSecond"/> requests a second with a few in flight, and it stops by itself after
/// <see cref="MaxDuration"/>, so leaving it on cannot load the Service.
/// </summary>
public sealed class TrafficProbe : IAsyncDisposable
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(15);
    /// <summary>Seconds after a rollout completes that still count toward it: old pods terminate after kubectl calls it done.</summary>
    static readonly TimeSpan RolloutTail = TimeSpan.FromSeconds(10);
    const int MaxInFlight = 8;
    const int SecondsKept = 900;

    readonly HttpClient _http;
    readonly IViewFeed<DeploymentView> _deployments;
    readonly TimeProvider _clock;
    readonly CancellationTokenSource _stop = new();
    readonly SemaphoreSlim _inFlight = new(MaxInFlight);
    readonly Lock _gate = new();
    readonly List<ProbeSecond> _seconds = [];
    readonly List<ProbeFailure> _failures = [];
    readonly Dictionary<string, (long Ok, long Failed)> _verdicts = [];
    readonly List<double> _latencies = [];
    readonly Dictionary<string, int> _answers = [];
    readonly Dictionary<string, DeploymentView> _views = [];
    int _ok, _failed;
    long _totalOk, _totalFailed;
    DateTimeOffset? _lastInRolloutAt;
    Task? _loop;
    string? _stoppedReason;

    public TrafficProbe(string ns, string deployment, string service, string url, int ratePerSecond, IViewFeed<DeploymentView> deployments, TimeProvider clock, HttpMessageHandler? handler = null)
    {
        Namespace = ns;
        Deployment = deployment;
        Service = service;
        Url = url;
        RatePerSecond = Math.Clamp(ratePerSecond, 1, 50);
        _deployments = deployments;
        _clock = clock;
        // A redirect is an answer, not a way elsewhere: the probe asks the Service and nothing it points to.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false });
        _http.Timeout = TimeSpan.FromSeconds(2);
        foreach (var d in deployments.Snapshot) _views[$"{d.Namespace}/{d.Name}"] = d;
        StartedAt = clock.GetUtcNow();
    }

    public string Namespace { get; }
    public string Deployment { get; }
    public string Service { get; }
    public string Url { get; }
    public int RatePerSecond { get; }
    public DateTimeOffset StartedAt { get; }
    public bool Running => _loop is { IsCompleted: false };

    /// <summary>Raised once a second while it runs, and when it stops.</summary>
    public event Action? Changed;

    public void Start() => _loop ??= Task.Run(RunAsync);

    public ProbeSnapshot Snapshot()
    {
        lock (_gate)
            return new ProbeSnapshot(Namespace, Deployment, Service, Url, RatePerSecond, Running, _stoppedReason, StartedAt, _totalOk, _totalFailed,
                [.. _seconds], [.. _failures], _verdicts.OrderBy(v => long.TryParse(v.Key, out var n) ? n : 0).Select(v => new RolloutVerdict(v.Key, v.Value.Ok, v.Value.Failed)).ToList());
    }

    async Task RunAsync()
    {
        var requests = new List<Task>();
        var follow = FollowDeploymentsAsync();
        var started = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / RatePerSecond);
        var nextSecond = TimeSpan.FromSeconds(1);
        try
        {
            for (var i = 0L; !_stop.IsCancellationRequested; i++)
            {
                if (started.Elapsed > MaxDuration)
                {
                    _stoppedReason = $"stopped by itself after {MaxDuration.TotalMinutes:0} minutes";
                    break;
                }
                // A slow Service does not pile requests up: beyond a few in flight, the tick is skipped.
                if (_inFlight.Wait(0)) requests.Add(SendAsync());
                requests.RemoveAll(t => t.IsCompleted);
                if (started.Elapsed >= nextSecond)
                {
                    CloseSecond();
                    nextSecond += TimeSpan.FromSeconds(1);
                }
                var due = interval * (i + 1) - started.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(requests);
        CloseSecond();
        _stoppedReason ??= "stopped";
        await _deployments.DisposeAsync();
        await follow;
        Changed?.Invoke();
    }

    async Task FollowDeploymentsAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var update = await _deployments.ReadAsync(_stop.Token);
                lock (_gate) update.ApplyTo(_views, static d => $"{d.Namespace}/{d.Name}");
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>How much of an answer is ever read: the version line is at its start.</summary>
    const int BodyBytesRead = 256;
    const int VersionLineLength = 64;

    /// <summary>
    /// What a person sees of a successful answer: its first line, at most 64 printable characters (the
    /// app's version, as <c>Hello v2!</c>). Nothing else of a body ever reaches a screen.
    /// </summary>
    public static string VersionLine(string body)
    {
        var line = body.TrimStart();
        var end = line.IndexOfAny(['\r', '\n']);
        if (end >= 0) line = line[..end];
        line = line.Trim();
        if (line.Length > VersionLineLength) line = line[..VersionLineLength];
        return string.Create(line.Length, line, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++) span[i] = char.IsControl(text[i]) ? '?' : text[i];
        });
    }

    /// <summary>What a person sees of a failed answer: its status alone, never its body.</summary>
    public static string FailureLine(System.Net.HttpStatusCode status, string? reason) =>
        $"{(int)status} {VersionLine(reason ?? "")}".TrimEnd();

    async Task SendAsync()
    {
        var clock = Stopwatch.StartNew();
        string? failure = null;
        string? answer = null;
        try
        {
            using var response = await _http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            if (response.IsSuccessStatusCode)
            {
                await using var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
                var buffer = new byte[BodyBytesRead];
                var read = 0;
                while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), _stop.Token) is var n and > 0) read += n;
                var line = VersionLine(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
                answer = line.Length == 0 ? $"HTTP {(int)response.StatusCode}" : line;
            }
            else failure = FailureLine(response.StatusCode, response.ReasonPhrase);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            failure = e is TaskCanceledException ? "timed out after 2 s" : e is HttpRequestException { HttpRequestError: var error } ? $"no answer ({error})" : "connection broken";
        }
        finally
        {
            _inFlight.Release();
        }
        lock (_gate)
        {
            _latencies.Add(clock.Elapsed.TotalMilliseconds);
            if (failure is null)
            {
                _ok++;
                _answers[answer!] = _answers.GetValueOrDefault(answer!) + 1;
            }
            else
            {
                _failed++;
                _failures.Add(new ProbeFailure(_clock.GetUtcNow(), failure));
                if (_failures.Count > 20) _failures.RemoveAt(0);
            }
        }
    }

    void CloseSecond()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            var d = _views.GetValueOrDefault($"{Namespace}/{Deployment}");
            var inProgress = d is not null && RolloutStatus.Evaluate(d, []).Phase is RolloutPhase.Progressing or RolloutPhase.Stuck or RolloutPhase.Failed;
            if (inProgress) _lastInRolloutAt = now;
            var inRollout = _lastInRolloutAt is { } last && now - last <= RolloutTail;
            _latencies.Sort();
            var second = new ProbeSecond(now, _ok, _failed,
                _latencies.Count == 0 ? 0 : Math.Round(_latencies[_latencies.Count / 2], 1),
                _latencies.Count == 0 ? 0 : Math.Round(_latencies[^1], 1),
                _answers.ToImmutableDictionary(), d?.Revision, inRollout);
            _seconds.Add(second);
            if (_seconds.Count > SecondsKept) _seconds.RemoveAt(0);
            _totalOk += _ok;
            _totalFailed += _failed;
            if (inRollout && d?.Revision is { } revision)
            {
                var (ok, failed) = _verdicts.GetValueOrDefault(revision);
                _verdicts[revision] = (ok + _ok, failed + _failed);
            }
            _ok = _failed = 0;
            _latencies.Clear();
            _answers.Clear();
        }
        Changed?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        else await _deployments.DisposeAsync();
        _http.Dispose();
    }
}
