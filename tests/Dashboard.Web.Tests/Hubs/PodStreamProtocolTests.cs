using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Tests;

/// <summary>
/// Pod stream events go out several to a write, and no client can tell: the records on the wire are
/// exactly those SignalR's JSON protocol writes for each event on its own.
/// </summary>
public sealed class PodStreamProtocolTests
{
    static readonly IOptions<JsonHubProtocolOptions> Options = Microsoft.Extensions.Options.Options.Create(new JsonHubProtocolOptions());

    static PodStreamEvent Event(string type, string name, string rv) => PodStreamEvent.Create(type,
        new PodEventPod(name, "default", "Running", true, 0, 1, "web-1", "node-1", ["web:1"], null, null), rv, Options.Value.PayloadSerializerOptions);

    static byte[] Write(IHubProtocol protocol, params HubMessage[] messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var m in messages) protocol.WriteMessage(m, output);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_batch_is_written_as_the_stream_item_records_of_its_events_one_by_one()
    {
        PodStreamEvent[] events = [Event("ADDED", "a", "1"), Event("MODIFIED", "b", "2"), Event("DELETED", "c", "3")];
        var headers = new Dictionary<string, string> { ["trace"] = "x" };

        var batched = Write(new PodStreamProtocol(Options), new StreamItemMessage("7", new PodStreamBatch(events)) { Headers = headers });
        var oneByOne = Write(new JsonHubProtocol(Options), [.. events.Select(e => new StreamItemMessage("7", e) { Headers = headers })]);

        Assert.Equal(Encoding.UTF8.GetString(oneByOne), Encoding.UTF8.GetString(batched));
        var records = Encoding.UTF8.GetString(batched).Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["a", "b", "c"], records.Select(r => JsonNode.Parse(r)!["item"]!["pod"]!["name"]!.ToString()));
        Assert.Equal(batched, new PodStreamProtocol(Options).GetMessageBytes(new StreamItemMessage("7", new PodStreamBatch(events)) { Headers = headers }).ToArray());
    }

    [Fact]
    public void Every_other_message_is_written_as_the_json_protocol_writes_it()
    {
        HubMessage[] messages = [new StreamItemMessage("1", Event("ADDED", "a", "1")), CompletionMessage.WithError("1", "gone"), PingMessage.Instance];

        Assert.Equal(Write(new JsonHubProtocol(Options), messages), Write(new PodStreamProtocol(Options), messages));
        Assert.Equal("json", new PodStreamProtocol(Options).Name);
    }

    [Fact]
    public void Events_split_into_batches_of_at_most_the_limit_in_their_order()
    {
        var events = Enumerable.Range(0, 150).Select(i => Event("ADDED", $"p{i:D3}", $"{i}")).ToList();

        var batches = PodStreamBatch.Split(events).ToList();

        Assert.Equal([64, 64, 22], batches.Select(b => b.Events.Count));
        Assert.Equal(events.Select(e => e.Name), batches.SelectMany(b => b.Events).Select(e => e.Name));
        Assert.Empty(PodStreamBatch.Split([]));
    }

    [Fact]
    public async Task Over_a_websocket_each_pod_arrives_as_its_own_documented_stream_item()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var factory = TestApp.OnEmbeddedCluster(dir, timeScale: 0.2);
        factory.CreateClient().Dispose();
        var cluster = factory.Services.GetRequiredService<Dashboard.Web.Cluster.ClusterConnection>().Embedded!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cluster.Cluster.Store.List(Dashboard.EmbeddedCluster.ResourceTypes.Pods, "default").Items.Count < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, "flask-app never had 5 pods");
            await Task.Delay(100);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var socket = await factory.Server.CreateWebSocketClient().ConnectAsync(new Uri(factory.Server.BaseAddress, "hubs/pods"), timeout.Token);
        async Task SendAsync(string record) => await socket.SendAsync(Encoding.UTF8.GetBytes(record + '\u001e'), WebSocketMessageType.Text, true, timeout.Token);
        await SendAsync("""{"protocol":"json","version":1}""");
        await SendAsync("""{"type":4,"invocationId":"1","target":"StreamPods","arguments":["default"]}""");

        // WebSocket messages (each may come in several frames) until the five pods have come.
        var buffer = new byte[64 * 1024];
        List<JsonNode> items = [];
        while (items.Count < 5)
        {
            var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);
            items.AddRange(Encoding.UTF8.GetString(message.ToArray()).Split('\u001e', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => JsonNode.Parse(r)!).Where(r => r["type"]?.GetValue<int>() == 2));
        }

        // The snapshot comes first, one ADDED item per pod; a pod still starting may already have changed after it.
        items = items.Take(5).ToList();
        Assert.All(items, r =>
        {
            Assert.Equal("1", r["invocationId"]!.ToString());
            Assert.Equal("ADDED", r["item"]!["type"]!.ToString());
            Assert.StartsWith("flask-app-", r["item"]!["pod"]!["name"]!.ToString());
            Assert.False(string.IsNullOrEmpty(r["item"]!["resourceVersion"]!.ToString()));
        });
        Assert.Equal(items.Select(r => r["item"]!["pod"]!["name"]!.ToString()).Order(StringComparer.Ordinal), items.Select(r => r["item"]!["pod"]!["name"]!.ToString()));
        socket.Abort();
    }
}
