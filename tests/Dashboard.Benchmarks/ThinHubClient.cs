using System.Buffers.Text;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Dashboard.Benchmarks;

/// <summary>
/// A client of <c>/hubs/pods</c> that speaks SignalR's JSON hub protocol over a WebSocket itself: the
/// handshake, a <c>StreamInvocation</c> of <c>StreamPods</c>, pings, and every record of the stream read
/// through (each item's JSON is parsed to its end). It exists because the benchmark runs its hub clients
/// on the same two cores as the dashboard: 200 .NET <c>HubConnection</c>s spent more CPU receiving than
/// the dashboard spent sending, so the figure measured the clients. A few .NET clients still run beside
/// these in every load run, as the check that a stock client sees the same stream.
/// </summary>
sealed class ThinHubClient : IAsyncDisposable
{
    const byte RecordSeparator = 0x1e;
    readonly ClientWebSocket _socket;
    readonly SemaphoreSlim _sending = new(1, 1);

    ThinHubClient(ClientWebSocket socket) => _socket = socket;

    public static async Task<ThinHubClient> ConnectAsync(Uri hubUrl, CookieContainer cookies, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;
        var uri = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        await socket.ConnectAsync(uri, cancellationToken);
        var client = new ThinHubClient(socket);
        await client.SendAsync("""{"protocol":"json","version":1}""", cancellationToken);
        // The handshake response is one record: {} or {"error":"..."}.
        var buffer = new byte[4096];
        var received = 0;
        while (Array.IndexOf(buffer, RecordSeparator, 0, received) < 0)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(received), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) throw new IOException("The hub closed the connection during the handshake.");
            received += result.Count;
        }
        var handshake = Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, RecordSeparator, 0, received));
        if (handshake != "{}") throw new IOException($"The hub refused the handshake: {handshake}");
        return client;
    }

    Task SendAsync(string record, CancellationToken cancellationToken) => SendAsync(Encoding.UTF8.GetBytes(record + (char)RecordSeparator), cancellationToken);

    async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Streams the namespace's pod events; <paramref name="onEvent"/> gets each event's resourceVersion as it is read.</summary>
    public async Task StreamPodsAsync(string ns, Action<long> onEvent, CancellationToken cancellationToken)
    {
        await SendAsync($$"""{"type":4,"invocationId":"1","target":"StreamPods","arguments":[{{JsonSerializer.Serialize(ns)}}]}""", cancellationToken);
        // The server drops a client it has not heard from in 30 s; SignalR clients ping every 15 s.
        var pings = new PeriodicTimer(TimeSpan.FromSeconds(15));
        var pinging = Task.Run(async () =>
        {
            var ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
            try
            {
                while (await pings.WaitForNextTickAsync(cancellationToken)) await SendAsync(ping, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
        }, CancellationToken.None);

        var buffer = new byte[64 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close) return;
                filled += result.Count;
                var start = 0;
                int end;
                while ((end = Array.IndexOf(buffer, RecordSeparator, start, filled - start)) >= 0)
                {
                    if (!Read(buffer.AsSpan(start, end - start), onEvent)) return;
                    start = end + 1;
                }
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
            }
        }
        finally
        {
            pings.Dispose(); // ends the pinging loop
            await pinging;
        }
    }

    /// <summary>Reads one record to its end; false when the stream is over (completion or close).</summary>
    static bool Read(ReadOnlySpan<byte> record, Action<long> onEvent)
    {
        var reader = new Utf8JsonReader(record);
        var type = 0;
        long resourceVersion = -1;
        string? error = null;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetInt32();
            }
            else if (reader.CurrentDepth == 1 && reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("resourceVersion"u8))
            {
                reader.Read();
                if (!Utf8Parser.TryParse(reader.ValueSpan, out resourceVersion, out _)) throw new InvalidDataException("A pod event's resourceVersion is not a number.");
            }
        }
        switch (type)
        {
            case 2: // StreamItem
                onEvent(resourceVersion);
                return true;
            case 3: // Completion
            case 7: // Close
                if (error is not null) throw new IOException($"The hub ended the stream: {error}");
                return false;
            default: // Ping and anything newer
                return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException) { }
        _socket.Dispose();
        _sending.Dispose();
    }
}
