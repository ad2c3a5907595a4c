using System.Text.Json;

namespace Dashboard.Records;

/// <summary>One second of a rollout as the record keeps it: new and old ready pods, unavailable, serving, desired.</summary>
public sealed record RecordedSample(DateTime At, int NewReady, int OldReady, int Unavailable, int Serving, int Desired);

/// <summary>A notable moment of a rollout: a new pod stuck and why, the deadline exceeded, who acted.</summary>
public sealed record RecordedEvent(DateTime At, string Text, string? Pod = null, string? Reason = null);

/// <summary>The JSON the samples and events are kept as: compact, and read back whole with the record.</summary>
public static class RecordDetails
{
    public const int SamplesKept = 1800;
    public const int EventsKept = 200;
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static IReadOnlyList<RecordedSample> Samples(this RolloutRecord record) => Read<RecordedSample>(record.SamplesJson);

    public static IReadOnlyList<RecordedEvent> Events(this RolloutRecord record) => Read<RecordedEvent>(record.EventsJson);

    public static string Write<T>(IEnumerable<T> items) => JsonSerializer.Serialize(items, Json);

    static IReadOnlyList<T> Read<T>(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        try { return JsonSerializer.Deserialize<List<T>>(json, Json) ?? []; }
        catch (JsonException) { return []; } // written by a version that kept them otherwise: the record stands without them
    }
}
