using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Dashboard.EmbeddedCluster.Protobuf;

/// <summary>A message field as <c>generated.proto</c> declares it, with what the Go type says of its JSON.</summary>
/// <param name="Type">A scalar (<c>string</c>, <c>int32</c>, ...) or a message's full name.</param>
/// <param name="MapValue">For a map field, the value type (keys are always strings in the Kubernetes API).</param>
/// <param name="ZeroKept">A zero read from the wire stays in the JSON: a pointer field (written only when set) or one without omitempty.</param>
/// <param name="Inline">An embedded Go struct (<c>json:""</c>): its fields are the parent's in JSON (Volume's volumeSource, Probe's handler).</param>
/// <param name="Pointer">A Go pointer: for a struct, server-side apply owns the field itself as well as what is in it.</param>
/// <param name="List">How server-side apply merges a repeated field: <c>map</c> (by <paramref name="ListKeys"/>), <c>set</c>, or atomic (null).</param>
/// <param name="Atomic">Owned as one value (<c>+structType=atomic</c>, <c>+mapType=atomic</c>).</param>
sealed record ProtoField(string Name, string JsonName, int Number, string Type, bool Repeated, string? MapValue, bool ZeroKept, bool Inline,
    bool Pointer = false, string? List = null, IReadOnlyList<string>? ListKeys = null, bool Atomic = false);

sealed record ProtoMessage(string FullName, FrozenDictionary<int, ProtoField> Fields, bool Atomic = false)
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

    /// <summary>The message of a kind: its group's package (<c>apps</c>, <c>rbac.authorization.k8s.io</c> → rbac, the core group → core), else meta's (DeleteOptions).</summary>
    public ProtoMessage? ForKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = apiVersion[(slash + 1)..];
        var package = group.Length == 0 ? "core" : group.Split('.')[0];
        return Find($"k8s.io.api.{package}.{version}.{kind}") ?? Find($"k8s.io.apimachinery.pkg.apis.meta.v1.{kind}");
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, FrozenDictionary<string, ProtoField>> _byJson = new(StringComparer.Ordinal);

    /// <summary>A message's fields by their JSON names, an inline struct's fields among them (as they appear in JSON).</summary>
    public FrozenDictionary<string, ProtoField> JsonFields(ProtoMessage message) => _byJson.GetOrAdd(message.FullName, _ =>
    {
        var all = new Dictionary<string, ProtoField>(StringComparer.Ordinal);
        void Add(ProtoMessage m)
        {
            foreach (var f in m.Fields.Values)
                if (f.Inline && Find(f.Type) is { } inner) Add(inner);
                else all.TryAdd(f.JsonName, f);
        }
        Add(message);
        return all.ToFrozenDictionary(StringComparer.Ordinal);
    });

    public IEnumerable<string> Packages => _messages.Keys.Select(k => k[..k.LastIndexOf('.')]).Distinct();

    /// <summary>One of the files embedded beside the proto files (<c>proto/json-fields.txt</c>, <c>proto/descriptions.txt</c>).</summary>
    internal static string Read(string name)
    {
        using var stream = typeof(ProtoSchema).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"{name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static ProtoSchema Load()
    {
        var assembly = typeof(ProtoSchema).Assembly;
        var json = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in Read("proto/json-fields.txt").Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            json[parts[0]] = parts[1..];
        }
        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("proto/", StringComparison.Ordinal) && n.EndsWith(".proto", StringComparison.Ordinal)))
            Parse(Read(name), json, messages);
        return new ProtoSchema(messages.ToFrozenDictionary(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\s*(?:(optional|repeated)\s+([\w.]+)|map<\s*string\s*,\s*([\w.]+)\s*>)\s+(\w+)\s*=\s*(\d+)\s*;")]
    private static partial Regex FieldLine();

    static void Parse(string text, Dictionary<string, string[]> json, Dictionary<string, ProtoMessage> messages)
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
                messages[message] = new ProtoMessage(message, fields.ToFrozenDictionary(), json.TryGetValue(message, out var marks) && marks.Contains("atomic"));
                message = null;
            }
            else if (message is not null && FieldLine().Match(line) is { Success: true } m)
            {
                var name = m.Groups[4].Value;
                var isMap = m.Groups[3].Success;
                var type = Qualify(isMap ? m.Groups[3].Value : m.Groups[2].Value, package);
                var shape = json.GetValueOrDefault($"{message}.{name}") ?? [];
                string? Mark(string prefix) => shape.FirstOrDefault(p => p.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
                var list = Mark("list=");
                var number = int.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture);
                fields[number] = new ProtoField(name, Mark("json=") ?? name, number, isMap ? "map" : type,
                    isMap || m.Groups[1].Value == "repeated", isMap ? type : null, shape.Contains("ptr") || shape.Contains("keep"), shape.Contains("inline"),
                    Pointer: shape.Contains("ptr"),
                    List: list is null ? null : list.StartsWith("map:", StringComparison.Ordinal) ? "map" : list == "set" ? "set" : null,
                    ListKeys: list?.StartsWith("map:", StringComparison.Ordinal) == true ? list[4..].Split(',') : null,
                    Atomic: shape.Contains("atomic"));
            }
        }
    }

    public static bool IsScalar(string type) => Scalars.Contains(type);

    /// <summary>A type as written in a field (<c>.k8s.io.api.core.v1.PodSpec</c>, <c>PodSpec</c>, <c>string</c>) as a full name.</summary>
    static string Qualify(string type, string package) =>
        IsScalar(type) ? type : type.StartsWith('.') ? type[1..] : $"{package}.{type}";
}
