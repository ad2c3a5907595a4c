using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster;
using Dashboard.Web.Cluster;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>
/// A hub client that stops reading (a frozen tab, a stalled tool) at 5,000 pods, over real sockets so
/// its back-pressure reaches the dashboard: it holds at most one unread change per pod, the other
/// viewers stay current, and when it reads again it catches up with the truth.
/// </summary>
[Collection(Serial.Name)]
public sealed class StalledViewerTests(ITestOutputHelper output)
{
    const int Pods = 5000;
    const string Ns = SeedWorkloads.GeneratedNamespace;

    /// <summary>StreamPods over a raw WebSocket with a tiny receive buffer, read only when told to.</summary>
    sealed class RawHubStream(ClientWebSocket socket) : IDisposable
    {
        public PodViewer Viewer { get; } = new("the frozen client");

        public static async Task<RawHubStream> OpenAsync(Uri server, string ns)
        {
            var socket = new ClientWebSocket();
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await s.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            };
            await socket.ConnectAsync(new Uri($"ws://{server.Authority}/hubs/pods"), new HttpMessageInvoker(handler), CancellationToken.None);
            var stream = new RawHubStream(socket);
            await stream.SendAsync("""{"protocol":"json","version":1}""");
            await stream.SendAsync($$"""{"type":4,"invocationId":"1","target":"StreamPods","arguments":["{{ns}}"]}""");
            return stream;
        }

        Task SendAsync(string message) => socket.SendAsync(Encoding.UTF8.GetBytes(message + '\u001e'), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task ReadAsync(CancellationToken stop)
        {
            var buffer = new byte[64 * 1024];
            var pending = new StringBuilder();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var received = await socket.ReceiveAsync(buffer, stop);
                    if (received.MessageType == WebSocketMessageType.Close) return;
                    pending.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
                    var text = pending.ToString();
                    var end = text.LastIndexOf('\u001e');
                    if (end < 0) continue;
                    pending.Clear().Append(text[(end + 1)..]);
                    foreach (var frame in text[..end].Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var message = JsonNode.Parse(frame)!.AsObject();
                        if (message["type"]?.GetValue<int>() != 2) continue; // handshake, pings
                        var item = message["item"]!;
                        Viewer.Apply(item["type"]!.ToString(), item["pod"]!["name"]!.ToString(), item["resourceVersion"]!.ToString());
                    }
                }
            }
            catch (OperationCanceledException) { }
        }

        public void Dispose() => socket.Dispose();
    }

    [Fact]
    public async Task A_hub_client_that_stops_reading_holds_at_most_one_change_per_pod_and_catches_up_when_it_reads_again()
    {
        await using var factory = TestApp.OnGeneratedCluster(Pods).WithWebHostBuilder(b => b.ConfigureServices(services => services.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = endpoint =>
        {
            // Small kernel buffers, so a client that stops reading pushes back within kilobytes, not megabytes.
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SendBufferSize = 16 * 1024;
            return socket;
        })));
        factory.UseKestrel(0);
        factory.StartServer();
        var server = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var cluster = factory.Services.GetRequiredService<ClusterConnection>().Embedded!;
        await GeneratedPods.WaitUntilRunningAsync(cluster, Pods);
        using var stop = new CancellationTokenSource();

        using var frozen = await RawHubStream.OpenAsync(server, Ns);
        var live = new List<(HubConnection Connection, PodViewer Viewer, Task Reading)>();
        for (var i = 0; i < 3; i++)
        {
            var connection = new HubConnectionBuilder().WithUrl(new Uri(server, "hubs/pods"), o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; }).Build();
            await connection.StartAsync();
            var viewer = new PodViewer($"live client {i}");
            var reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in connection.StreamAsync<JsonElement>("StreamPods", Ns, stop.Token))
                        viewer.Apply(e.GetProperty("type").GetString()!, e.GetProperty("pod").GetProperty("name").GetString()!, e.GetProperty("resourceVersion").GetString()!);
                }
                catch (OperationCanceledException) { }
            });
            live.Add((connection, viewer, reading));
        }

        // Every pod changes three times, and two Deployments are scaled (deletions and creations), while one client reads nothing.
        using var stats = factory.CreateClient();
        var mostUnread = 0;
        var store = cluster.Cluster.Store;
        for (var round = 0; round < 3; round++)
        {
            foreach (var pod in store.List(ResourceTypes.Pods, Ns).Items) GeneratedPods.Touch(cluster, pod, "round", round);
            cluster.Cluster.Api.Patch(ResourceTypes.Deployments, Ns, $"app-{round:D3}", "application/merge-patch+json", """{"spec":{"replicas":80}}""");
            cluster.Cluster.Api.Patch(ResourceTypes.Deployments, Ns, $"app-{49 - round:D3}", "application/merge-patch+json", """{"spec":{"replicas":120}}""");
            mostUnread = Math.Max(mostUnread, await MostUnreadPodsAsync(stats));
            await Task.Delay(1000);
            mostUnread = Math.Max(mostUnread, await MostUnreadPodsAsync(stats));
        }

        // The others are current while the frozen one still reads nothing.
        await GeneratedPods.AssertEveryViewerMatchesAsync(cluster, live.Select(l => l.Viewer).ToList(), "live clients beside a frozen one", TimeSpan.FromSeconds(15));
        mostUnread = Math.Max(mostUnread, await MostUnreadPodsAsync(stats));
        output.WriteLine($"the frozen client's unread queue peaked at {mostUnread} changes for {store.List(ResourceTypes.Pods, Ns).Items.Count} pods");
        Assert.True(mostUnread > 0, "the frozen client never fell behind: its back-pressure did not reach the dashboard");
        Assert.True(mostUnread <= Pods + 200, $"a frozen client queued {mostUnread} changes: more than one per pod");

        // Reading again, it catches up with the truth (coalesced changes or a fresh snapshot, never a backlog of history).
        var resumed = Task.Run(() => frozen.ReadAsync(stop.Token));
        await GeneratedPods.AssertEveryViewerMatchesAsync(cluster, [frozen.Viewer], "the frozen client after it read again", TimeSpan.FromSeconds(15));

        await stop.CancelAsync();
        await resumed;
        foreach (var (connection, _, reading) in live)
        {
            await connection.DisposeAsync();
            await reading;
        }
    }

    static async Task<int> MostUnreadPodsAsync(HttpClient stats)
    {
        var json = await stats.GetFromJsonAsync<JsonObject>("stats");
        return json!["hubStreams"]!.AsArray().Where(c => c!["namespace"]?.ToString() == Ns).Select(c => (int)c!["mostUnread"]!).DefaultIfEmpty(0).Max();
    }
}
