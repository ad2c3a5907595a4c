using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Dashboard.EmbeddedCluster.Protobuf;

/// <summary>A message field as <c>generated.proto</c> declares it, with what the Go type says of its JSON.</summary>
/// <param name="Type">A scalar (<c>string</c>, <c>int32</c>, ...) or a message's full name.</param>
/// <param name="MapValue">For a map field, the value type (keys are always strings in the Kubernetes API).</param>
/// <param name="ZeroKept">A zero read from the wire stays in the JSON: a pointer field (written only when set) or one without omitempty.</param>
/// <param name="Inline">An embedded Go struct (<c>json:""</c>): its fields are the parent's in JSON (Volume's volumeSource, Probe's handler).</param>
sealed record ProtoField(string Name, string JsonName, int Number, string Type, bool Repeated, string? MapValue, bool ZeroKept, bool Inline);

sealed record ProtoMessage(string FullName, FrozenDictionary<int, ProtoField> Fields)
{
    /// <summary>A Go named slice type (<c>Verbs</c>, <c>ExtraValue</c>): a wrapper message on the wire, an array in JSON.</summary>
    public bool IsStringList => Fields.Count == 1 && Fields.TryGetValue(1, out var f) && f is { Name: "items", Type: "string", Repeated: true };
}

/// <summary>
/// The messages of the Kubernetes API as upstream's <c>generated.proto</c> files number them (k8s.io/api
/// for every group the embedded cluster serves, and apimachinery's meta, resource, intstr and runtime),
/// embedded in this assembly, with <c>json-fields.txt</c> taken from the Go types beside them. The files
/// are facts to read, not code to generate: a small reader for proto2's subset they use is enough.
/// </summary>
sealed partial class ProtoSchema
{
    // Before Kubernetes: static fields are set in the order they are written.
    static readonly FrozenSet<string> Scalars = FrozenSet.Create(StringComparer.Ordinal, "string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "double", "float", "fixed32", "fixed64");

    readonly FrozenDictionary<string, ProtoMessage> _messages;

    ProtoSchema(FrozenDictionary<string, ProtoMessage> messages) => _messages = messages;

    public static ProtoSchema Kubernetes { get; } = Load();

    public ProtoMessage? Find(string fullName) => _messages.GetValueOrDefault(fullName);

    public IEnumerable<string> Packages => _messages.Keys.Select(k => k[..k.LastIndexOf('.')]).Distinct();

    static ProtoSchema Load()
    {
        var assembly = typeof(ProtoSchema).Assembly;
        string Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"{name} is not embedded");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        var json = new Dictionary<string, (string? Json, bool Kept, bool Inline)>(StringComparer.Ordinal);
        foreach (var line in Read("proto/json-fields.txt").Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            var rename = parts.Skip(1).FirstOrDefault(p => p.StartsWith("json=", StringComparison.Ordinal))?[5..];
            json[parts[0]] = (rename, parts.Contains("ptr") || parts.Contains("keep"), parts.Contains("inline"));
        }
        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("proto/", StringComparison.Ordinal) && n.EndsWith(".proto", StringComparison.Ordinal)))
            Parse(Read(name), json, messages);
        return new ProtoSchema(messages.ToFrozenDictionary(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\s*(?:(optional|repeated)\s+([\w.]+)|map<\s*string\s*,\s*([\w.]+)\s*>)\s+(\w+)\s*=\s*(\d+)\s*;")]
    private static partial Regex FieldLine();

    static void Parse(string text, Dictionary<string, (string? Json, bool Kept, bool Inline)> json, Dictionary<string, ProtoMessage> messages)
    {
        var package = "";
        string? message = null;
        var fields = new Dictionary<int, ProtoField>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("package ", StringComparison.Ordinal)) package = line["package ".Length..].TrimEnd(';').Trim();
            else if (line.StartsWith("message ", StringComparison.Ordinal))
            {
                message = $"{package}.{line["message ".Length..].TrimEnd('{').Trim()}";
                fields = [];
            }
            else if (line == "}" && message is not null)
            {
                messages[message] = new ProtoMessage(message, fields.ToFrozenDictionary());
                message = null;
            }
            else if (message is not null && FieldLine().Match(line) is { Success: true } m)
            {
                var name = m.Groups[4].Value;
                var isMap = m.Groups[3].Success;
                var type = Qualify(isMap ? m.Groups[3].Value : m.Groups[2].Value, package);
                var shape = json.GetValueOrDefault($"{message}.{name}");
                fields[int.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture)] = new ProtoField(name, shape.Json ?? name,
                    int.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture), isMap ? "map" : type,
                    isMap || m.Groups[1].Value == "repeated", isMap ? type : null, shape.Kept, shape.Inline);
            }
        }
    }

    public static bool IsScalar(string type) => Scalars.Contains(type);

    /// <summary>A type as written in a field (<c>.k8s.io.api.core.v1.PodSpec</c>, <c>PodSpec</c>, <c>string</c>) as a full name.</summary>
    static string Qualify(string type, string package) =>
        IsScalar(type) ? type : type.StartsWith('.') ? type[1..] : $"{package}.{type}";
}
