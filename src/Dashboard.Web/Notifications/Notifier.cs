using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Dashboard.Web.Notifications;

/// <summary>The events a destination may ask for (<c>Notifications__Webhooks__N__Events</c>).</summary>
public static class NotificationEvents
{
    public const string RolloutStarted = "rollout-started";
    public const string RolloutCompleted = "rollout-completed";
    public const string RolloutFailed = "rollout-failed";
    public const string GuardActed = "guard-acted";

    public static readonly IReadOnlyList<string> All = [RolloutStarted, RolloutCompleted, RolloutFailed, GuardActed];
    public static readonly IReadOnlyList<string> Default = [RolloutFailed, GuardActed];
}

/// <summary>One webhook destination: <c>Url</c> (or <c>UrlFile</c>, a mounted Secret), <c>Format</c>, <c>Events</c>, <c>Namespaces</c>.</summary>
public sealed class WebhookOptions
{
    public string? Url { get; set; }
    public string? UrlFile { get; set; }
    public string Format { get; set; } = "generic";
    public List<string> Events { get; set; } = [];
    public List<string> Namespaces { get; set; } = [];
}

/// <summary><c>Notifications__Webhooks__0__Url</c> and the rest; <c>Notifications__QueueCapacity</c> bounds what waits per destination.</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";
    public List<WebhookOptions> Webhooks { get; set; } = [];
    public int QueueCapacity { get; set; } = 200;
}

/// <summary>What happened, in the terms every format's message is written from.</summary>
public sealed record Notification(string Event, string Cluster, string Namespace, string Workload, string Kind, long Revision, string? FromImages, string ToImages,
    string StartedBy, string Outcome, string? Detail, DateTimeOffset At)
{
    /// <summary>The message in a sentence and its facts, as each chat service shows it.</summary>
    public string Title => Event switch
    {
        NotificationEvents.RolloutStarted => $"Rollout of {Namespace}/{Workload} to revision {Revision} started",
        NotificationEvents.RolloutCompleted => $"Rollout of {Namespace}/{Workload} to revision {Revision} complete",
        NotificationEvents.RolloutFailed => $"Rollout of {Namespace}/{Workload} to revision {Revision}: {Outcome}",
        _ => $"Rollout guard acted on {Namespace}/{Workload}",
    };

    public IReadOnlyList<(string Name, string Value)> Facts =>
    [
        ("Cluster", Cluster), ("Namespace", Namespace), ("Workload", $"{Kind} {Workload}"), ("From", FromImages ?? "—"), ("To", ToImages),
        ("Started by", StartedBy), ("Outcome", Detail is null ? Outcome : $"{Outcome}: {Detail}"),
    ];
}

/// <summary>
/// Sends notifications to the configured webhooks, each destination on its own bounded queue and worker,
/// so a dead or slow destination never slows anything else: <see cref="Publish"/> only enqueues. Delivery
/// retries 5xx answers, time-outs and refused connections with backoff (Polly), never a 4xx; beyond the
/// queue a message is dropped, logged and counted.
/// </summary>
public sealed class Notifier : BackgroundService
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    readonly List<Destination> _destinations = [];
    readonly ILogger<Notifier> _logger;
    readonly HttpClient _http;
    readonly string? _publicUrl;
    readonly Func<bool>? _mayNotify;
    long _dropped;
    long _sent;
    long _failed;

    sealed record Destination(int Index, string Url, string Format, IReadOnlySet<string> Events, IReadOnlySet<string> Namespaces, Channel<Notification> Queue);

    /// <param name="mayNotify">With several replicas, true only on the leader: one message per event per destination.</param>
    public Notifier(IOptions<NotificationsOptions> options, IConfiguration configuration, ILogger<Notifier> logger, HttpMessageHandler? handler = null, Func<bool>? mayNotify = null)
    {
        _mayNotify = mayNotify;
        _logger = logger;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own time-out below
        _publicUrl = configuration["Dashboard:PublicUrl"]?.TrimEnd('/');
        var capacity = Math.Max(1, options.Value.QueueCapacity);
        foreach (var (hook, index) in options.Value.Webhooks.Select((h, i) => (h, i)))
        {
            var url = hook.Url is { Length: > 0 } u ? u : hook.UrlFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : null;
            if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new InvalidOperationException($"Notifications__Webhooks__{index}: give Url (or UrlFile) with an http or https address.");
            var format = hook.Format.ToLowerInvariant();
            if (format is not ("generic" or "slack" or "teams" or "dingtalk" or "feishu" or "wecom"))
                throw new InvalidOperationException($"Notifications__Webhooks__{index}__Format is \"{hook.Format}\": use generic, slack, teams, dingtalk, feishu or wecom.");
            var events = hook.Events.Count == 0 ? NotificationEvents.Default : hook.Events;
            if (events.FirstOrDefault(e => !NotificationEvents.All.Contains(e)) is { } unknown)
                throw new InvalidOperationException($"Notifications__Webhooks__{index}__Events names \"{unknown}\": use {string.Join(", ", NotificationEvents.All)}.");
            _destinations.Add(new Destination(index, url, format, events.ToHashSet(), hook.Namespaces.ToHashSet(),
                Channel.CreateBounded<Notification>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true })));
        }
    }

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Queues the notification for every destination that wants it; never waits.</summary>
    public void Publish(Notification notification)
    {
        if (_mayNotify is { } leading && !leading()) return;
        foreach (var d in _destinations)
        {
            if (!d.Events.Contains(notification.Event) || d.Namespaces.Count > 0 && !d.Namespaces.Contains(notification.Namespace)) continue;
            // Full: TryWrite says so (the channel waits for room only when asked to, and Publish never waits).
            if (d.Queue.Writer.TryWrite(notification)) continue;
            Interlocked.Increment(ref _dropped);
            _logger.LogError("Notification to webhook {Index} dropped (its queue is full: the destination is not keeping up): {Title}", d.Index, notification.Title);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(_destinations.Select(d => DeliverAsync(d, stoppingToken)));

    async Task DeliverAsync(Destination d, CancellationToken stoppingToken)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 5,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>().Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.RequestTimeout || r.StatusCode == HttpStatusCode.TooManyRequests),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
        try
        {
            await foreach (var notification in d.Queue.Reader.ReadAllAsync(stoppingToken))
            {
                var body = Payload(d.Format, notification, _publicUrl);
                try
                {
                    using var response = await pipeline.ExecuteAsync(async ct =>
                        await _http.PostAsync(d.Url, new StringContent(body, Encoding.UTF8, "application/json"), ct), stoppingToken);
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref _sent);
                    else
                    {
                        Interlocked.Increment(ref _failed);
                        _logger.LogError("Webhook {Index} refused a notification ({Status}): {Title}", d.Index, (int)response.StatusCode, notification.Title);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
                {
                    Interlocked.Increment(ref _failed);
                    _logger.LogError("Webhook {Index} did not take a notification after retries ({Error}): {Title}", d.Index, e.Message, notification.Title);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Each service's documented webhook schema, from the same facts.</summary>
    public static string Payload(string format, Notification n, string? publicUrl)
    {
        var link = publicUrl is null ? null : $"{publicUrl}/namespaces/{Uri.EscapeDataString(n.Namespace)}/deployments/{Uri.EscapeDataString(n.Workload)}";
        var lines = string.Join("\n", n.Facts.Select(f => $"{f.Name}: {f.Value}"));
        var markdown = $"**{n.Title}**\n\n" + string.Join("\n", n.Facts.Select(f => $"- {f.Name}: {f.Value}")) + (link is null ? "" : $"\n\n[Open in Rollout Dashboard]({link})");
        JsonNode payload = format switch
        {
            // Slack incoming webhooks: text (mrkdwn) with blocks.
            "slack" => new JsonObject
            {
                ["text"] = n.Title,
                ["blocks"] = new JsonArray(
                    new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{n.Title}*\n" + string.Join("\n", n.Facts.Select(f => $"*{f.Name}:* {f.Value}")) + (link is null ? "" : $"\n<{link}|Open in Rollout Dashboard>") } }),
            },
            // Teams workflow webhooks: a message carrying an Adaptive Card.
            "teams" => new JsonObject
            {
                ["type"] = "message",
                ["attachments"] = new JsonArray(new JsonObject
                {
                    ["contentType"] = "application/vnd.microsoft.card.adaptive",
                    ["content"] = new JsonObject
                    {
                        ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                        ["type"] = "AdaptiveCard",
                        ["version"] = "1.4",
                        ["body"] = new JsonArray(
                            new JsonObject { ["type"] = "TextBlock", ["text"] = n.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
                            new JsonObject { ["type"] = "FactSet", ["facts"] = new JsonArray([.. n.Facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Name, ["value"] = f.Value })]) }),
                        ["actions"] = link is null ? new JsonArray() : new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in Rollout Dashboard", ["url"] = link }),
                    },
                }),
            },
            // DingTalk custom robot: markdown message.
            "dingtalk" => new JsonObject { ["msgtype"] = "markdown", ["markdown"] = new JsonObject { ["title"] = n.Title, ["text"] = markdown } },
            // Feishu (Lark) custom bot: text message.
            "feishu" => new JsonObject { ["msg_type"] = "text", ["content"] = new JsonObject { ["text"] = $"{n.Title}\n{lines}" + (link is null ? "" : $"\n{link}") } },
            // WeCom group robot: markdown message.
            "wecom" => new JsonObject { ["msgtype"] = "markdown", ["markdown"] = new JsonObject { ["content"] = markdown } },
            _ => JsonSerializer.SerializeToNode(new { n.Event, n.Cluster, n.Namespace, n.Workload, n.Kind, n.Revision, n.FromImages, n.ToImages, n.StartedBy, n.Outcome, n.Detail, n.At, title = n.Title, url = link }, Json)!,
        };
        return payload.ToJsonString();
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
