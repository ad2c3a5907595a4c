using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Dashboard.Kubernetes;

/// <summary>
/// Conversions between stored JSON and KubernetesClient's typed models, with the library's own
/// serializer settings so quantities, int-or-strings and timestamps read and write as Kubernetes does.
/// </summary>
public static class ModelJson
{
    static readonly JsonSerializerOptions Options = CaptureOptions();

    /// <summary>What goes on the wire: quotes and angle brackets as themselves, as Go's encoder writes them for humans reading responses.</summary>
    public static readonly JsonSerializerOptions Wire = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static JsonSerializerOptions CaptureOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        return captured ?? throw new InvalidOperationException("KubernetesJson did not expose its serializer options");
    }

    public static T ToModel<T>(JsonNode node) => node.Deserialize<T>(Options)!;

    public static object ToModel(JsonNode node, Type type) => node.Deserialize(type, Options)!;

    public static JsonObject ToJson(object model) => (JsonObject)JsonSerializer.SerializeToNode(model, model.GetType(), Options)!;

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string MicroTimestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Keys sorted at every level, so equal objects give equal strings (template comparison, hashing).</summary>
    public static string Canonical(JsonNode? node)
    {
        return Sort(node)?.ToJsonString(ModelJson.Wire) ?? "null";

        static JsonNode? Sort(JsonNode? n) => n switch
        {
            JsonObject o => new JsonObject(o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
            JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
            null => null,
            _ => n.DeepClone(),
        };
    }

    /// <summary>
    /// Paths present in what a client sent but gone after a round trip through the typed model:
    /// the fields the schema does not declare, which strict field validation refuses.
    /// </summary>
    public static IReadOnlyList<string> UnknownFields(JsonNode? sent, JsonNode? roundTripped)
    {
        var unknown = new List<string>();
        Walk(sent, roundTripped, "");
        return unknown;

        void Walk(JsonNode? a, JsonNode? b, string path)
        {
            switch (a)
            {
                case JsonObject ao:
                    var bo = b as JsonObject;
                    foreach (var (key, value) in ao)
                    {
                        var child = path.Length == 0 ? key : $"{path}.{key}";
                        if (value is null) continue;
                        if (bo is null || !bo.TryGetPropertyValue(key, out var bv))
                        {
                            if (!IsEmpty(value)) unknown.Add(child);
                            continue;
                        }
                        Walk(value, bv, child);
                    }
                    break;
                case JsonArray aa when b is JsonArray ba:
                    for (var i = 0; i < aa.Count && i < ba.Count; i++) Walk(aa[i], ba[i], $"{path}[{i}]");
                    break;
            }
        }

        static bool IsEmpty(JsonNode n) => n is JsonObject { Count: 0 } or JsonArray { Count: 0 };
    }
}

/// <summary>Number reads that work whatever backs the node (a parsed element or a CLR value).</summary>
public static class JsonNumbers
{
    public static long? ToLong(this JsonNode node) =>
        long.TryParse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static int? ToInt(this JsonNode node) =>
        int.TryParse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
