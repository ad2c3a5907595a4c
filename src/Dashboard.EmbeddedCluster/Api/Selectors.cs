using System.Text.Json.Nodes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// A parsed label selector in the syntax of <c>?labelSelector=</c>: <c>a=b</c>, <c>a==b</c>,
/// <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c> and <c>!a</c>, comma-separated.
/// </summary>
public sealed class LabelSelector
{
    readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    public static readonly LabelSelector Everything = new();

    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    public bool Matches(JsonObject obj) => IsEmpty || Matches(Labels(obj));

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.ToString())
            : new Dictionary<string, string>();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text)) return selector;
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0) continue;
            selector._requirements.Add(ParseRequirement(term));
        }
        return selector;
    }

    /// <summary>A selector from a Deployment's or ReplicaSet's <c>spec.selector</c>.</summary>
    public static LabelSelector FromSelector(JsonNode? selector)
    {
        var result = new LabelSelector();
        if (selector is not JsonObject obj) return result;
        if (obj["matchLabels"] is JsonObject ml)
            foreach (var (k, v) in ml)
            {
                var key = k; var value = v?.ToString() ?? "";
                result._requirements.Add(l => l.TryGetValue(key, out var x) && x == value);
            }
        if (obj["matchExpressions"] is JsonArray exprs)
            foreach (var e in exprs.OfType<JsonObject>())
            {
                var key = e["key"]?.ToString() ?? "";
                var values = (e["values"] as JsonArray)?.Select(v => v?.ToString() ?? "").ToHashSet() ?? [];
                result._requirements.Add((e["operator"]?.ToString()) switch
                {
                    "In" => l => l.TryGetValue(key, out var x) && values.Contains(x),
                    "NotIn" => l => !l.TryGetValue(key, out var x) || !values.Contains(x),
                    "Exists" => l => l.ContainsKey(key),
                    "DoesNotExist" => l => !l.ContainsKey(key),
                    var op => throw ApiException.BadRequest($"\"{op}\" is not a valid label selector operator"),
                });
            }
        return result;
    }

    static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0; var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string term)
    {
        if (term.StartsWith('!')) { var key = term[1..].Trim(); return l => !l.ContainsKey(key); }
        var lower = term;
        var notin = lower.IndexOf(" notin ", StringComparison.Ordinal);
        if (notin > 0) { var key = term[..notin].Trim(); var set = ParseSet(term[(notin + 7)..]); return l => !l.TryGetValue(key, out var v) || !set.Contains(v); }
        var @in = lower.IndexOf(" in ", StringComparison.Ordinal);
        if (@in > 0) { var key = term[..@in].Trim(); var set = ParseSet(term[(@in + 4)..]); return l => l.TryGetValue(key, out var v) && set.Contains(v); }
        var ne = term.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0) { var key = term[..ne].Trim(); var value = term[(ne + 2)..].Trim(); return l => !l.TryGetValue(key, out var v) || v != value; }
        var eq = term.IndexOf('=');
        if (eq > 0)
        {
            var key = term[..eq].Trim();
            var value = term[(eq + 1)..].TrimStart('=').Trim();
            return l => l.TryGetValue(key, out var v) && v == value;
        }
        if (term.IndexOfAny(['(', ')', ' ', '<', '>']) >= 0) throw ApiException.BadRequest($"unable to parse requirement: found '{term}', expected: identifier");
        return l => l.ContainsKey(term);
    }

    static HashSet<string> ParseSet(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith('(') || !t.EndsWith(')')) throw ApiException.BadRequest($"unable to parse requirement: found '{t}', expected: '('");
        return t[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }
}

/// <summary>
/// A parsed field selector: <c>metadata.name=x</c>, <c>status.phase!=Running</c>, comma-separated.
/// Any dotted path of the object is accepted, which covers the fields the real apiserver allows
/// (names, namespaces, <c>spec.nodeName</c>, <c>status.phase</c>, <c>involvedObject.*</c>).
/// </summary>
public sealed class FieldSelector
{
    readonly List<(string Path, string Value, bool Equal)> _terms = [];

    public bool IsEmpty => _terms.Count == 0;

    // The fields each kind can be selected by, besides metadata.name and metadata.namespace (k8s
    // pkg/apis/core/v1/conversion.go, pkg/registry/*/strategy.go), and the aliases they accept.
    static readonly Dictionary<string, string[]> Selectable = new(StringComparer.Ordinal)
    {
        ["pods"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["events"] = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["namespaces"] = ["status.phase"],
        ["secrets"] = ["type"],
        ["nodes"] = ["spec.unschedulable"],
        ["replicasets"] = ["status.replicas"],
    };

    static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal) { ["spec.host"] = "spec.nodeName", ["source"] = "source.component" };

    /// <summary>A request's selector, refused as kube-apiserver refuses a field the kind cannot be selected by.</summary>
    public static FieldSelector Parse(string? text, ResourceType type)
    {
        var selector = Parse(text);
        var allowed = Selectable.GetValueOrDefault(type.Plural);
        foreach (var (path, _, _) in selector._terms)
        {
            if (path is "metadata.name" or "metadata.namespace" || allowed?.Contains(path) == true || Aliases.ContainsKey(path) && allowed is not null) continue;
            throw ApiException.BadRequest(allowed is null
                ? $"\"{path}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                : $"field label not supported: {path}");
        }
        for (var i = 0; i < selector._terms.Count; i++)
            if (Aliases.TryGetValue(selector._terms[i].Path, out var real)) selector._terms[i] = selector._terms[i] with { Path = real };
        return selector;
    }

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text)) return selector;
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            var ne = term.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0) { selector._terms.Add((term[..ne], term[(ne + 2)..], false)); continue; }
            var eq = term.IndexOf('=');
            if (eq <= 0) throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            selector._terms.Add((term[..eq], term[(eq + 1)..].TrimStart('='), true));
        }
        return selector;
    }

    /// <summary>The name a <c>metadata.name=</c> term pins, so a single-object watch needs no scan.</summary>
    public string? Name => _terms.FirstOrDefault(t => t.Path == "metadata.name" && t.Equal).Value;

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, value, equal) in _terms)
        {
            JsonNode? node = obj;
            foreach (var segment in path.Split('.')) node = node?[segment];
            // An unset boolean reads as false, as the apiserver's field set writes it (spec.hostNetwork=false).
            var actual = node?.ToString() ?? (path is "spec.hostNetwork" or "spec.unschedulable" ? "false" : "");
            if (node is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False) actual = actual.ToLowerInvariant();
            if ((actual == value) != equal) return false;
        }
        return true;
    }
}
