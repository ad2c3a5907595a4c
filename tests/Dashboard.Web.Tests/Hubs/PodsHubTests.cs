using System.Text.Json;
using Dashboard.ClusterServices.Operations;
using Dashboard.Web.Cluster;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class PodsHubTests : IAsyncLifetime
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
    WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = TestApp.OnEmbeddedCluster(_dir, timeScale: 0.2);
        _factory.CreateClient().Dispose();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    Task<HubConnection> ConnectAsync() => TestApp.ConnectHubAsync(_factory);

    async Task WaitForFlaskReadyAsync()
    {
        var connection = _factory.Services.GetRequiredService<ClusterConnection>();
        var embedded = connection.Embedded!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (embedded.Cluster.Store.Where(EmbeddedCluster.ResourceTypes.Pods, "default", p => p.Object["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.ToString() == "Ready" && c?["status"]?.ToString() == "True") == true).Count < 5)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("flask-app never became ready");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task One_connection_cannot_open_watches_of_made_up_namespaces_nor_more_than_a_few_streams()
    {
        await using var connection = await ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var store = _factory.Services.GetRequiredService<ClusterConnection>().Embedded!.Server.Metrics;
        string Watches() => System.Text.RegularExpressions.Regex.Match(store.Render(), @"apiserver_longrunning_requests\{[^}]*resource=""pods""[^}]*\} (\d+)").Groups[1].Value;
        var before = Watches();

        // The review's attack: 40 streams of namespaces nobody created.
        for (var i = 0; i < 40; i++)
        {
            var refused = await Assert.ThrowsAsync<HubException>(async () =>
            {
                await foreach (var _ in connection.StreamAsync<JsonElement>("StreamPods", $"made-up-{i}", cts.Token)) { }
            });
            Assert.Contains($"There is no namespace made-up-{i}", refused.Message);
        }
        Assert.Equal(before, Watches());

        // Real namespaces: at most eight streams at once on one connection.
        var open = new List<IAsyncEnumerator<JsonElement>>();
        for (var i = 0; i < PodsHub.MaxStreamsPerConnection; i++)
        {
            var stream = connection.StreamAsync<JsonElement>("StreamPods", "default", cts.Token).GetAsyncEnumerator(cts.Token);
            Assert.True(await stream.MoveNextAsync());
            open.Add(stream);
        }
        var ninth = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<JsonElement>("StreamPods", "cloud", cts.Token)) { }
        });
        Assert.Contains("at most 8 namespaces at once", ninth.Message);
        foreach (var stream in open) await stream.DisposeAsync();
    }

    [Fact]
    public async Task A_stream_starts_with_every_current_pod_then_sends_live_changes()
    {
        await WaitForFlaskReadyAsync();
        await using var connection = await ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var events = new List<JsonElement>();
        var stream = connection.StreamAsync<JsonElement>("StreamPods", "default", cts.Token).GetAsyncEnumerator(cts.Token);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await stream.MoveNextAsync());
            events.Add(stream.Current);
        }
        var operations = _factory.Services.GetRequiredService<Dashboard.ClusterServices.ClusterScope>().Operations;
        Assert.Equal(OperationOutcome.Succeeded, (await operations.ScaleAsync("default", "flask-app", 6, "test")).Outcome);
        JsonElement added;
        do
        {
            Assert.True(await stream.MoveNextAsync());
            added = stream.Current;
        }
        while (added.GetProperty("type").GetString() != "ADDED");

        Assert.All(events, e => Assert.Equal("ADDED", e.GetProperty("type").GetString()));
        var pod = events[0].GetProperty("pod");
        Assert.Equal("default", pod.GetProperty("namespace").GetString());
        Assert.StartsWith("flask-app-", pod.GetProperty("name").GetString());
        Assert.Equal("Running", pod.GetProperty("status").GetString());
        Assert.True(pod.GetProperty("ready").GetBoolean());
        Assert.Equal(1, pod.GetProperty("revision").GetInt64());
        Assert.Equal("docker.io/library/flask-app:1.0", pod.GetProperty("images")[0].GetString());
        foreach (var field in new[] { "restarts", "replicaSet", "node", "createdAt", "deletionTimestamp" }) Assert.True(pod.TryGetProperty(field, out _), field);
        Assert.False(string.IsNullOrEmpty(events[0].GetProperty("resourceVersion").GetString()));
        Assert.DoesNotContain(events.Select(e => e.GetProperty("pod").GetProperty("name").GetString()), n => n == added.GetProperty("pod").GetProperty("name").GetString());
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Fifty_streams_each_receive_every_event_and_add_no_watch_on_the_cluster()
    {
        await WaitForFlaskReadyAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var connections = new List<HubConnection>();
        var enumerators = new List<IAsyncEnumerator<JsonElement>>();
        for (var i = 0; i < 50; i++)
        {
            var c = await ConnectAsync();
            connections.Add(c);
            var e = c.StreamAsync<JsonElement>("StreamPods", "default", cts.Token).GetAsyncEnumerator(cts.Token);
            for (var j = 0; j < 5; j++) Assert.True(await e.MoveNextAsync());
            enumerators.Add(e);
        }

        var operations = _factory.Services.GetRequiredService<Dashboard.ClusterServices.ClusterScope>().Operations;
        Assert.Equal(OperationOutcome.Succeeded, (await operations.ScaleAsync("default", "flask-app", 6, "test")).Outcome);
        var newPodNames = await Task.WhenAll(enumerators.Select(async e =>
        {
            while (await e.MoveNextAsync())
                if (e.Current.GetProperty("type").GetString() == "ADDED") return e.Current.GetProperty("pod").GetProperty("name").GetString();
            return null;
        }));

        Assert.Single(newPodNames.Distinct());
        Assert.NotNull(newPodNames[0]);
        var server = _factory.Services.GetRequiredService<ClusterConnection>().Embedded!.Server;
        // In steady state: a watch being replaced (its old request not yet ended by the server) may overlap for a moment.
        var settled = DateTime.UtcNow.AddSeconds(10);
        while (server.Metrics.OpenWatches("pods") != 1 && DateTime.UtcNow < settled) await Task.Delay(50);
        Assert.Equal(1, server.Metrics.OpenWatches("pods"));
        await cts.CancelAsync();
        foreach (var c in connections) await c.DisposeAsync();
    }

    [Fact]
    public async Task An_invalid_namespace_is_refused_with_a_clear_message()
    {
        await using var connection = await ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<JsonElement>("StreamPods", "Not/A Namespace")) { }
        });

        Assert.Contains("is not a valid namespace", error.Message);
    }

    [Fact]
    public async Task An_oversized_hub_message_is_refused_and_other_streams_carry_on()
    {
        await WaitForFlaskReadyAsync();
        await using var healthy = await ConnectAsync();
        await using var abuser = await ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // 100 KB where a namespace name goes: over the 32 KB message limit, the server drops that connection.
        var closed = new TaskCompletionSource();
        abuser.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        var oversized = async () =>
        {
            await foreach (var _ in abuser.StreamAsync<JsonElement>("StreamPods", new string('a', 100_000), cts.Token)) { }
        };
        await Assert.ThrowsAnyAsync<Exception>(oversized);
        await closed.Task.WaitAsync(cts.Token);

        var first = await healthy.StreamAsync<JsonElement>("StreamPods", "default", cts.Token).FirstAsync(cts.Token);
        Assert.Equal("ADDED", first.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("../kube-system")]
    [InlineData("Default")]
    [InlineData("namespace-ünïcode")]
    [InlineData("<script>alert(1)</script>")]
    public async Task A_namespace_that_cannot_exist_is_refused_with_the_reason(string ns)
    {
        await using var connection = await ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<JsonElement>("StreamPods", ns, cts.Token)) { }
        });
        Assert.Contains("namespace", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
