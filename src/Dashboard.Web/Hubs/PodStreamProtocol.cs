using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Hubs;

/// <summary>
/// Several events of one pod stream that go out in one write. SignalR writes and flushes every stream
/// item on its own: at 200 streams a burst of 100 pod changes was 20,000 flushes, socket sends and
/// thread hops on two cores, and that fan-out was most of the hub's tail latency. The hub yields
/// batches; <see cref="PodStreamProtocol"/> writes each as the very records the events would have been,
/// so clients see the same stream items, now several to a WebSocket frame.
/// </summary>
public sealed class PodStreamBatch(IReadOnlyList<PodStreamEvent> events)
{
    /// <summary>Events per batch at most: about 25 KB of JSON, so one write never holds a whole namespace.</summary>
    public const int MaxEvents = 64;

    public IReadOnlyList<PodStreamEvent> Events => events;

    /// <summary>Events in order, as batches of at most <see cref="MaxEvents"/>.</summary>
    public static IEnumerable<PodStreamBatch> Split(IReadOnlyList<PodStreamEvent> events)
    {
        if (events.Count <= MaxEvents)
        {
            if (events.Count > 0) yield return new(events);
            yield break;
        }
        for (var start = 0; start < events.Count; start += MaxEvents)
        {
            var slice = new PodStreamEvent[Math.Min(MaxEvents, events.Count - start)];
            for (var i = 0; i < slice.Length; i++) slice[i] = events[start + i];
            yield return new(slice);
        }
    }
}

/// <summary>
/// SignalR's JSON hub protocol, except that a stream item holding a <see cref="PodStreamBatch"/> is
/// written as one stream item record per event (same invocation id, same headers): on the wire nothing
/// tells it apart from the events sent one by one. Registered in place of <see cref="JsonHubProtocol"/>.
/// </summary>
public sealed class PodStreamProtocol(IOptions<JsonHubProtocolOptions> options) : IHubProtocol
{
    readonly JsonHubProtocol _json = new(options);

    public string Name => _json.Name;
    public int Version => _json.Version;
    public TransferFormat TransferFormat => _json.TransferFormat;

    public bool IsVersionSupported(int version) => _json.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        _json.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        if (message is StreamItemMessage { Item: PodStreamBatch batch } item)
            foreach (var e in batch.Events)
                _json.WriteMessage(new StreamItemMessage(item.InvocationId!, e) { Headers = item.Headers }, output);
        else _json.WriteMessage(message, output);
    }

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        if (message is not StreamItemMessage { Item: PodStreamBatch }) return _json.GetMessageBytes(message);
        var output = new ArrayBufferWriter<byte>();
        WriteMessage(message, output);
        return output.WrittenMemory;
    }
}

public static class PodStreamProtocolRegistration
{
    /// <summary>Puts <see cref="PodStreamProtocol"/> where SignalR registered its JSON protocol (call after <c>AddSignalR</c>).</summary>
    public static IServiceCollection UsePodStreamProtocol(this IServiceCollection services)
    {
        foreach (var json in services.Where(d => d.ServiceType == typeof(IHubProtocol) && d.ImplementationType == typeof(JsonHubProtocol)).ToList())
            services.Remove(json);
        return services.AddSingleton<IHubProtocol, PodStreamProtocol>();
    }
}
