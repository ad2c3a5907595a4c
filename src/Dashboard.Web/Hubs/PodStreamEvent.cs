using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Web.Hubs;

/// <summary>A pod as the stream sends it.</summary>
public sealed record PodEventPod(
    string Name, string Namespace, string Status, bool Ready, int Restarts, long? Revision, string? ReplicaSet,
    string? Node, IReadOnlyList<string> Images, DateTimeOffset? CreatedAt, DateTimeOffset? DeletionTimestamp);

/// <summary>
/// <c>{"type":"ADDED|MODIFIED|DELETED","pod":{...},"resourceVersion":"..."}</c>, with the pod serialised
/// once by the namespace's feed and copied as is into every stream: at 200 streams the per-stream
/// serialisation was the part of a burst that grew with viewers.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class PodStreamEvent
{
    public const string Added = "ADDED", Modified = "MODIFIED", Deleted = "DELETED";

    readonly byte[] _pod;

    internal PodStreamEvent(string type, string name, byte[] pod, string resourceVersion)
    {
        Type = type;
        Name = name;
        _pod = pod;
        ResourceVersion = resourceVersion;
    }

    public string Type { get; }
    /// <summary>The pod's name: the key events of one pod coalesce by.</summary>
    public string Name { get; }
    public string ResourceVersion { get; }
    /// <summary>The pod's JSON as sent (UTF-8).</summary>
    public ReadOnlySpan<byte> PodJson => _pod;

    /// <summary>The same pod under another event type (sharing the serialised pod).</summary>
    public PodStreamEvent As(string type) => type == Type ? this : new(type, Name, _pod, ResourceVersion);

    internal static PodStreamEvent Create(string type, PodEventPod pod, string resourceVersion, JsonSerializerOptions options) =>
        new(type, pod.Name, JsonSerializer.SerializeToUtf8Bytes(pod, options), resourceVersion);

    sealed class Converter : JsonConverter<PodStreamEvent>
    {
        public override PodStreamEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Pod stream events are only sent.");

        public override void Write(Utf8JsonWriter writer, PodStreamEvent value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("type", value.Type);
            writer.WritePropertyName("pod");
            // Written by the serializer with the hub's own options, so the bytes are what it would write here.
            writer.WriteRawValue(value._pod, skipInputValidation: true);
            writer.WriteString("resourceVersion", value.ResourceVersion);
            writer.WriteEndObject();
        }
    }
}
