using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dashboard.Testing;
using Dashboard.Web.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>A webhook receiver on loopback that answers as it is told, and keeps what it was sent.</summary>
sealed class WebhookReceiver : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Func<int, Task<int>> _answer;
    int _requests;

    public WebhookReceiver(Func<int, Task<int>> answer)
    {
        _answer = answer;
        Url = $"http://127.0.0.1:{Ports.Free()}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }
    public ConcurrentQueue<string> Bodies { get; } = new();
    public ConcurrentQueue<string> Accepted { get; } = new();
    public int Requests => Volatile.Read(ref _requests);

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                var n = Interlocked.Increment(ref _requests);
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                Bodies.Enqueue(body);
                var status = await _answer(n);
                if (status < 300) Accepted.Enqueue(body);
                context.Response.StatusCode = status;
                try { context.Response.Close(); } catch (Exception) { }
            });
        }
    }

    public void Dispose() => _listener.Close();
}

public sealed class NotifierTests
{
    static readonly Notification Failed = new(NotificationEvents.RolloutFailed, "embedded", "default", "flask-app", "Deployment", 3,
        "flask-app=flask-app:2.0", "flask-app=flask-app:2.1-crash", "alice", "Rolled back", "rolled back by revision 4", DateTimeOffset.UtcNow);

    static Notifier Start(params WebhookOptions[] hooks)
    {
        var notifier = new Notifier(Microsoft.Extensions.Options.Options.Create(new NotificationsOptions { Webhooks = [.. hooks], QueueCapacity = 3 }),
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Dashboard:PublicUrl"] = "https://rollouts.example.com/" }).Build(),
            NullLogger<Notifier>.Instance);
        notifier.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return notifier;
    }

    static async Task UntilAsync(Func<bool> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !condition(); await Task.Delay(50))
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
    }

    [Fact]
    public async Task A_receiver_that_answers_500_then_200_gets_the_message_once()
    {
        using var receiver = new WebhookReceiver(n => Task.FromResult(n == 1 ? 500 : 200));
        using var notifier = Start(new WebhookOptions { Url = receiver.Url });

        notifier.Publish(Failed);

        await UntilAsync(() => notifier.Sent == 1, "the message to be delivered");
        Assert.Equal(2, receiver.Requests);
        var body = JsonDocument.Parse(Assert.Single(receiver.Accepted)).RootElement;
        Assert.Equal(("rollout-failed", "flask-app", "alice", "https://rollouts.example.com/namespaces/default/deployments/flask-app"),
            (body.GetProperty("event").GetString(), body.GetProperty("workload").GetString(), body.GetProperty("startedBy").GetString(), body.GetProperty("url").GetString()));
    }

    [Fact]
    public async Task A_4xx_is_not_retried()
    {
        using var receiver = new WebhookReceiver(_ => Task.FromResult(400));
        using var notifier = Start(new WebhookOptions { Url = receiver.Url });

        notifier.Publish(Failed);

        await UntilAsync(() => notifier.Failed == 1, "the refusal");
        Assert.Equal(1, receiver.Requests);
    }

    [Fact]
    public async Task A_receiver_that_hangs_delays_nobody_and_beyond_its_queue_messages_are_dropped_and_counted()
    {
        var hang = new TaskCompletionSource<int>();
        using var stuck = new WebhookReceiver(_ => hang.Task);
        using var healthy = new WebhookReceiver(_ => Task.FromResult(204));
        using var notifier = Start(new WebhookOptions { Url = stuck.Url }, new WebhookOptions { Url = healthy.Url });

        // Publish returns at once whatever the destinations do; each waits for the healthy one to take the last, so only the stuck one's queue fills.
        for (var i = 0; i < 6; i++)
        {
            notifier.Publish(Failed with { Revision = i });
            await UntilAsync(() => healthy.Accepted.Count == i + 1, $"message {i} at the healthy destination");
        }

        await UntilAsync(() => healthy.Accepted.Count == 6, "the healthy destination's messages");
        await UntilAsync(() => notifier.Dropped >= 2, "the stuck destination's queue to overflow");
        Assert.Equal(1, stuck.Requests); // still waiting on the first
        hang.SetResult(200);
    }

    [Fact]
    public void Events_and_namespaces_choose_what_a_destination_gets()
    {
        using var receiver = new WebhookReceiver(_ => Task.FromResult(200));
        using var notifier = Start(new WebhookOptions { Url = receiver.Url, Events = [NotificationEvents.RolloutStarted], Namespaces = ["cloud"] });

        notifier.Publish(Failed);
        notifier.Publish(Failed with { Event = NotificationEvents.RolloutStarted });
        notifier.Publish(Failed with { Event = NotificationEvents.RolloutStarted, Namespace = "cloud" });

        Assert.True(SpinWait.SpinUntil(() => notifier.Sent == 1, TimeSpan.FromSeconds(10)));
        Thread.Sleep(300);
        Assert.Equal(1, receiver.Requests);
    }

    [Fact]
    public void A_destination_that_cannot_be_read_stops_the_start_with_what_to_set()
    {
        var bad = Assert.Throws<InvalidOperationException>(() => Start(new WebhookOptions { Url = "https://hooks.example.com/x", Format = "telegram" }));
        Assert.Contains("Notifications__Webhooks__0__Format is \"telegram\": use generic, slack, teams, dingtalk, feishu or wecom", bad.Message);
        Assert.Contains("Url (or UrlFile)", Assert.Throws<InvalidOperationException>(() => Start(new WebhookOptions { Url = "ftp://x" })).Message);
    }

    [Theory]
    [InlineData("slack", "text", "blocks")]
    [InlineData("teams", "type", "attachments")]
    [InlineData("dingtalk", "msgtype", "markdown")]
    [InlineData("feishu", "msg_type", "content")]
    [InlineData("wecom", "msgtype", "markdown")]
    public void Each_format_follows_its_services_webhook_schema(string format, string first, string second)
    {
        var payload = JsonDocument.Parse(Notifier.Payload(format, Failed, "https://rollouts.example.com")).RootElement;

        Assert.True(payload.TryGetProperty(first, out _) && payload.TryGetProperty(second, out _), payload.ToString());
        var text = payload.ToString();
        foreach (var fact in new[] { "default", "flask-app", "embedded", "flask-app=flask-app:2.0", "flask-app=flask-app:2.1-crash", "alice", "rolled back by revision 4" })
            Assert.Contains(fact, text);
        switch (format)
        {
            case "teams":
                Assert.Equal("application/vnd.microsoft.card.adaptive", payload.GetProperty("attachments")[0].GetProperty("contentType").GetString());
                break;
            case "dingtalk":
            case "wecom":
                Assert.Equal("markdown", payload.GetProperty("msgtype").GetString());
                break;
            case "feishu":
                Assert.Equal("text", payload.GetProperty("msg_type").GetString());
                break;
        }
    }
}
