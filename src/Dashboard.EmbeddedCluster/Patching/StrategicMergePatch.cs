using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;

namespace Dashboard.EmbeddedCluster.Patching;

/// <summary>
/// The server side of a strategic merge patch for the built-in kinds this cluster serves: maps merge,
/// <c>null</c> deletes, lists of objects merge by their Kubernetes merge key (containers by name,
/// container ports by containerPort, service ports by port, volumeMounts by mountPath, ...), and the
/// directives <c>$patch</c>, <c>$setElementOrder</c>, <c>$retainKeys</c> and
/// <c>$deleteFromPrimitiveList</c> behave as in apimachinery's <c>strategicpatch</c> package.
/// </summary>
public static class StrategicMergePatch
{
    // Field name -> merge key, from the patchMergeKey tags of k8s.io/api.
    static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["imagePullSecrets"] = "name",
        ["resourceClaims"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["readinessGates"] = "conditionType",
        ["schedulingGates"] = "name",
    };

    // Primitive lists whose patch strategy is "merge" (a union), not replace.
    static readonly HashSet<string> MergedPrimitiveLists = ["finalizers"];

    public static JsonObject Apply(JsonObject original, JsonObject patch)
    {
        var result = MergeMap((JsonObject)original.DeepClone(), patch, []);
        return result ?? throw ApiException.BadRequest("strategic merge patch: the patch deletes the whole object");
    }

    static string? MergeKeyFor(string field, IReadOnlyList<string> path)
    {
        if (field == "ports")
            return path.Any(p => p is "containers" or "initContainers" or "ephemeralContainers") ? "containerPort" : "port";
        return MergeKeys.GetValueOrDefault(field);
    }

    static JsonObject? MergeMap(JsonObject original, JsonObject patch, List<string> path)
    {
        switch (patch["$patch"]?.ToString())
        {
            case "replace":
                {
                    var replaced = (JsonObject)patch.DeepClone();
                    replaced.Remove("$patch");
                    return replaced;
                }
            case "delete": return null;
            case null or "merge": break;
            default: throw ApiException.BadRequest($"Unknown patch type: {patch["$patch"]}");
        }

        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.ToString()).ToHashSet();
            foreach (var key in original.Select(p => p.Key).ToList())
                if (!keep.Contains(key)) original.Remove(key);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$')) continue;
            if (value is null) { original.Remove(key); continue; }
            path.Add(key);
            original[key] = MergeValue(original[key], value, key, path);
            path.RemoveAt(path.Count - 1);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray remove)
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (original[field] is JsonArray list)
                    foreach (var item in list.Where(i => remove.Any(r => JsonNode.DeepEquals(r, i))).ToList()) list.Remove(item);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key["$setElementOrder/".Length..];
                if (original[field] is JsonArray list) original[field] = Reorder(list, order, MergeKeyFor(field, path));
            }
        }
        return original;
    }

    static JsonNode? MergeValue(JsonNode? current, JsonNode patch, string field, List<string> path)
    {
        if (patch is JsonObject patchObj)
            return current is JsonObject currentObj ? MergeMap(currentObj, patchObj, path) : StripDirectives(patchObj);
        if (patch is JsonArray patchList)
        {
            var mergeKey = MergeKeyFor(field, path);
            if (mergeKey is not null) return MergeList(current as JsonArray ?? [], patchList, mergeKey, path);
            if (MergedPrimitiveLists.Contains(field) && current is JsonArray currentList)
            {
                var union = (JsonArray)currentList.DeepClone();
                foreach (var item in patchList)
                    if (!union.Any(u => JsonNode.DeepEquals(u, item))) union.Add(item?.DeepClone());
                return union;
            }
            return StripDirectives(patchList);
        }
        return patch.DeepClone();
    }

    static JsonArray MergeList(JsonArray current, JsonArray patch, string mergeKey, List<string> path)
    {
        if (patch.OfType<JsonObject>().Any(p => p["$patch"]?.ToString() == "replace"))
            return new JsonArray(patch.OfType<JsonObject>().Where(p => p["$patch"] is null).Select(p => (JsonNode?)StripDirectives(p)).ToArray());

        var result = (JsonArray)current.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem) { result.Add(item?.DeepClone()); continue; }
            var keyValue = patchItem[mergeKey];
            var existing = result.OfType<JsonObject>().FirstOrDefault(e => keyValue is not null && JsonNode.DeepEquals(e[mergeKey], keyValue));
            if (patchItem["$patch"]?.ToString() == "delete")
            {
                if (existing is not null) result.Remove(existing);
                continue;
            }
            if (existing is null) { result.Add(StripDirectives(patchItem)); continue; }
            var index = result.IndexOf(existing);
            var merged = MergeMap(existing, patchItem, path);
            result.RemoveAt(index);
            if (merged is not null) result.Insert(index, merged);
        }
        return result;
    }

    static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        var items = list.Select(i => i?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var wanted in order)
        {
            var match = items.FirstOrDefault(i => mergeKey is not null && i is JsonObject o && wanted is JsonObject w
                ? JsonNode.DeepEquals(o[mergeKey], w[mergeKey])
                : JsonNode.DeepEquals(i, wanted));
            if (match is null) continue;
            items.Remove(match);
            ordered.Add(match);
        }
        // Items only the server had keep their relative order after the ones the patch named.
        ordered.AddRange(items);
        return new JsonArray(ordered.ToArray());
    }

    static JsonNode StripDirectives(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (k, v) in obj)
                    if (!k.StartsWith('$')) copy[k] = v is null ? null : StripDirectives(v);
                return copy;
            case JsonArray arr:
                return new JsonArray(arr.Select(i => i is null ? null : StripDirectives(i)).ToArray());
            default:
                return node.DeepClone();
        }
    }
}
