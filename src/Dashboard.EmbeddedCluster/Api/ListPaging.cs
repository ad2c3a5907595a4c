using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Storage;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>One page of a list: its items, the resourceVersion every page of it is read at, and what is left.</summary>
public sealed record ListPage(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);

/// <summary>
/// Lists in chunks as kube-apiserver serves them over etcd (apiserver <c>pkg/storage/continue.go</c>,
/// <c>etcd3/store.go</c>): <c>limit</c> returns at most that many items and a <c>continue</c> token when more
/// remain; the token holds the list's resourceVersion and the key to start after, so every page reads the
/// same snapshot. Once that snapshot is compacted away the answer is 410 Expired, with a token that goes on
/// at the latest version for a client that accepts an inconsistent list.
/// </summary>
public static class ListPaging
{
    const string TokenVersion = "meta.k8s.io/v1";

    public const string ExpiredMessage = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

    public static string Encode(long resourceVersion, string lastKey) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = TokenVersion, ["rv"] = resourceVersion, ["start"] = lastKey + "\0" }))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string StartKey, long ResourceVersion) Decode(string token)
    {
        byte[] data;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            data = Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='));
        }
        catch (FormatException)
        {
            throw Invalid("continue key is not valid: illegal base64 data");
        }
        JsonObject? c;
        try { c = JsonNode.Parse(data) as JsonObject; }
        catch (JsonException)
        {
            // As Go's encoding/json words it.
            var first = Encoding.UTF8.GetString(data).TrimStart().FirstOrDefault();
            throw Invalid(first == default ? "continue key is not valid: unexpected end of JSON input" : $"continue key is not valid: invalid character '{first}' looking for beginning of value");
        }
        if (c?["v"]?.ToString() is not TokenVersion) throw Invalid($"continue key is not valid: server does not recognize this encoded version {c?["v"]}");
        var rv = c["rv"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
        if (rv == 0) throw Invalid("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        var start = c["start"]?.ToString() ?? "";
        if (start.Length == 0) throw Invalid("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
        return (start, rv);
    }

    static ApiException Invalid(string why) => ApiException.BadRequest($"invalid continue token: {why}");

    /// <summary>A page of <paramref name="type"/>'s objects: all of them without a limit, as before chunking.</summary>
    /// <param name="resourceVersion">The request's <c>resourceVersion</c>: with a continue token only empty or 0 is allowed.</param>
    public static ListPage Page(ObjectStore store, ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken, string? resourceVersion)
    {
        var filtered = !labels.IsEmpty || !fields.IsEmpty;
        bool Wanted(StoredObject o) => labels.Matches(o.Object) && fields.Matches(o.Object);
        IReadOnlyList<StoredObject> all;
        long rv;
        var after = "";
        if (!string.IsNullOrEmpty(continueToken))
        {
            if (resourceVersion is { Length: > 0 } and not "0") throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
            var (start, tokenRv) = Decode(continueToken);
            after = start;
            if (tokenRv == -1) (all, rv) = store.List(type, ns);
            else
            {
                all = store.ListAt(type, ns, tokenRv)
                    ?? throw new ApiException(410, "Expired", ExpiredMessage, listMeta: new JsonObject { ["continue"] = Encode(-1, start.TrimEnd('\0')) });
                rv = tokenRv;
            }
        }
        else (all, rv) = store.List(type, ns);

        // In etcd's key order (namespace/name as one string), which the token's start key is in.
        var ordered = all.OrderBy(o => KeyOf(o, ns), StringComparer.Ordinal);
        var from = (after.Length == 0 ? ordered : ordered.Where(o => string.CompareOrdinal(KeyOf(o, ns), after) >= 0)).ToList();
        if (limit is not > 0)
            return new ListPage(filtered ? from.Where(Wanted).ToList() : from, rv, null, null);
        var page = new List<StoredObject>(Math.Min(limit.Value, from.Count));
        var read = 0;
        foreach (var o in from)
        {
            read++;
            if (!Wanted(o)) continue;
            page.Add(o);
            if (page.Count == limit) break;
        }
        var remaining = from.Count - read;
        // More remain only when one of them would be listed (etcd reads on with a selector, so the last page has no token).
        if (remaining == 0 || filtered && !from.Skip(read).Any(Wanted)) return new ListPage(page, rv, null, null);
        return new ListPage(page, rv, Encode(rv, KeyOf(page[^1], ns)), filtered ? null : remaining);
    }

    /// <summary>The object's key after the list's prefix: its name in a namespace, namespace/name across them.</summary>
    static string KeyOf(StoredObject o, string? ns) => ns is null ? o.Key : o.Name;

    public static void WriteMetadata(StringBuilder json, ListPage page)
    {
        json.Append("\"metadata\":{\"resourceVersion\":\"").Append(page.ResourceVersion.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (page.Continue is { } token) json.Append(",\"continue\":\"").Append(token).Append('"');
        if (page.RemainingItemCount is { } left) json.Append(",\"remainingItemCount\":").Append(left.ToString(CultureInfo.InvariantCulture));
        json.Append('}');
    }
}
