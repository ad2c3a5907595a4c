using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Patching;

/// <summary>RFC 6902 JSON Patch, with <c>test</c>, as kubectl rollout undo and the dashboard send it.</summary>
public static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonArray operations)
    {
        JsonNode doc = target.DeepClone();
        foreach (var raw in operations)
        {
            if (raw is not JsonObject op) throw ApiException.BadRequest("json patch: each operation must be an object");
            var name = op["op"]?.ToString() ?? throw ApiException.BadRequest("json patch: missing 'op'");
            var path = op["path"]?.ToString() ?? throw ApiException.BadRequest($"json patch: missing 'path' in {op.ToJsonString(ModelJson.Wire)}");
            switch (name)
            {
                case "add": doc = Add(doc, path, Value(op)); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace": doc = Remove(doc, path, out _); doc = Add(doc, path, Value(op)); break;
                case "move":
                    {
                        doc = Remove(doc, From(op), out var moved);
                        doc = Add(doc, path, moved);
                        break;
                    }
                case "copy": doc = Add(doc, path, Resolve(doc, From(op))?.DeepClone()); break;
                case "test":
                    {
                        var actual = Resolve(doc, path);
                        if (!JsonNode.DeepEquals(actual, op["value"]))
                            throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                        break;
                    }
                default: throw ApiException.BadRequest($"Unexpected kind: {name}");
            }
        }
        return doc as JsonObject ?? throw ApiException.BadRequest("json patch: the result is not an object");
    }

    static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw ApiException.BadRequest("json patch: missing 'value'");

    static string From(JsonObject op) => op["from"]?.ToString() ?? throw ApiException.BadRequest("json patch: missing 'from'");

    static string[] Segments(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw ApiException.BadRequest($"json patch: invalid path {path}");
        return path[1..].Split('/').Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    static JsonNode? Resolve(JsonNode doc, string path)
    {
        JsonNode? node = doc;
        foreach (var segment in Segments(path))
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(segment, out var v) ? v : throw Missing(path),
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Missing(path),
            };
        }
        return node;
    }

    static ApiException Missing(string path) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: jsonpatch replace operation does not apply: doc is missing path: {path}");

    static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var segments = Segments(path);
        if (segments.Length == 0) return value ?? throw ApiException.BadRequest("json patch: cannot replace the document with null");
        var parent = Parent(doc, segments);
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Missing(path);
                break;
            default: throw Missing(path);
        }
        return doc;
    }

    static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var segments = Segments(path);
        if (segments.Length == 0) throw ApiException.BadRequest("json patch: cannot remove the whole document");
        var parent = Parent(doc, segments);
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var v):
                o.Remove(last); removed = v; break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i]; a.RemoveAt(i); break;
            default: throw Missing(path);
        }
        return doc;
    }

    static JsonNode? Parent(JsonNode doc, string[] segments) =>
        segments.Length == 1 ? doc : Resolve(doc, "/" + string.Join('/', segments[..^1].Select(Escape)));

    static string Escape(string s) => s.Replace("~", "~0").Replace("/", "~1");
}

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, <c>null</c> deletes, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObj)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result[key], value);
        }
        return result;
    }
}
