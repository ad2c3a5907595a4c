using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Printing;
using Dashboard.EmbeddedCluster.Storage;
using Microsoft.AspNetCore.Http;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// Serves each Kubernetes verb on <see cref="ClusterApi"/> once <see cref="ApiRouting"/> has routed the
/// request, authenticated and authorized it, and counted it: lists and gets (Table output too), writes,
/// deletes, watches, the reviews, and the fault switches.
/// </summary>
public sealed class ApiRequestHandler(SimulatedCluster cluster, FaultInjection faults)
{
    static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(10);
    ClusterApi Api => cluster.Api;

    internal sealed record Target(ResourceType Type, string? Namespace, string? Name, string? Subresource);

    /// <summary>
    /// Without a token file every request is the cluster admin, so the API must answer programs on this
    /// machine only, never a web page: a Host that is not a loopback name (DNS rebinding) or an Origin
    /// from anywhere but loopback (a page elsewhere) is refused.
    /// </summary>
    internal static string? ForeignBrowserRequest(HttpRequest request)
    {
        if (!Loopback.IsHost(request.Host.Host))
            return $"the embedded cluster without a token file answers only to loopback names, not to host \"{request.Host.Host}\" (set EmbeddedCluster__TokenAuthFile to serve others)";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !Loopback.IsUrl(origin))
            return $"the embedded cluster refuses requests from web pages (Origin {origin})";
        return null;
    }

    internal static Target Resolve(string groupVersion, string[] parts, out bool watchPath)
    {
        watchPath = false;
        if (parts.Length > 0 && parts[0] == "watch") { watchPath = true; parts = parts[1..]; }
        ResourceType? Find(string plural) => ResourceTypes.Find(groupVersion, plural);

        if (parts.Length >= 3 && parts[0] == "namespaces" && Find(parts[2]) is { Namespaced: true } namespacedType)
        {
            CheckPathName(ResourceTypes.Namespaces, parts[1]);
            return new Target(namespacedType, parts[1], parts.Length > 3 ? parts[3] : null, Subresource(namespacedType, parts, 4));
        }
        var type = Find(parts[0]) ?? throw ApiException.UnknownResource();
        return new Target(type, null, parts.Length > 1 ? parts[1] : null, Subresource(type, parts, 2));
    }

    static string? Subresource(ResourceType type, string[] parts, int index)
    {
        if (parts.Length <= index) return null;
        if (parts.Length > index + 1 || !type.Subresources.Contains(parts[index])) throw ApiException.UnknownResource();
        return parts[index];
    }

    static void CheckPathName(ResourceType type, string name)
    {
        if (name.Length == 0 || name.Contains('/') || name is "." or "..")
            throw ApiException.BadRequest($"invalid resource name \"{name}\": may not contain '/'");
    }

    internal static JsonObject UserJson(UserInfo user) => new() { ["username"] = user.Name, ["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode?)g)]) };

    internal JsonObject SelfSubjectAccessReview(UserInfo user, JsonObject review)
    {
        var attributes = review["spec"]?["resourceAttributes"] ?? throw ApiException.BadRequest("spec.resourceAttributes is required");
        var request = new ResourceAttributes(
            attributes["verb"]?.ToString() ?? "", attributes["group"]?.ToString() ?? "", attributes["resource"]?.ToString() ?? "",
            attributes["subresource"]?.ToString() is { Length: > 0 } sub ? sub : null,
            attributes["namespace"]?.ToString() is { Length: > 0 } ns ? ns : null,
            attributes["name"]?.ToString() is { Length: > 0 } name ? name : null);
        var allowed = cluster.Access.Allowed(user, request);
        review["status"] = new JsonObject { ["allowed"] = allowed, ["reason"] = allowed ? "RBAC: allowed by a role binding" : "" };
        review["apiVersion"] = "authorization.k8s.io/v1";
        review["kind"] = "SelfSubjectAccessReview";
        return review;
    }

    internal JsonObject TokenReview(UserInfo user, JsonObject review)
    {
        if (!cluster.Access.Allowed(user, new ResourceAttributes("create", "authentication.k8s.io", "tokenreviews", null, null, null)))
            throw new ApiException(403, "Forbidden", $"tokenreviews.authentication.k8s.io is forbidden: User \"{user.Name}\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope");
        var reviewed = cluster.Access.UserOfToken(review["spec"]?["token"]?.ToString() ?? "");
        review["status"] = reviewed is null
            ? new JsonObject { ["authenticated"] = false, ["error"] = "invalid bearer token" }
            : new JsonObject { ["authenticated"] = true, ["user"] = UserJson(reviewed) };
        review["apiVersion"] = "authentication.k8s.io/v1";
        review["kind"] = "TokenReview";
        return review;
    }

    /// <summary>The Kubernetes verb of a request on a resource path (what RBAC and the metrics name).</summary>
    internal static string VerbOf(string method, Target target, bool watchPath, IQueryCollection query) => method switch
    {
        "GET" when target.Name is null && (watchPath || QueryBool(query["watch"])) => "WATCH",
        "GET" when target.Name is null => "LIST",
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" when target.Name is null => "DELETECOLLECTION",
        "DELETE" => "DELETE",
        _ => throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource"),
    };

    /// <summary>Serves an authorized request on a resource.</summary>
    internal async Task ServeAsync(HttpContext context, Target target, string verb)
    {
        var request = context.Request;
        var query = request.Query;
        switch (verb)
        {
            case "WATCH":
                await Watch(context, target);
                return;
            case "LIST":
                {
                    int? limit = query["limit"].ToString() is { Length: > 0 } limitText
                        ? long.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? (int)Math.Clamp(l, 0, int.MaxValue) : throw ApiException.BadRequest($"limit: Invalid value: \"{limitText}\": must be an integer")
                        : null;
                    var page = Api.ListPage(target.Type, target.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"], target.Type),
                        limit, query["continue"].ToString(), query["resourceVersion"].ToString());
                    if (WantsTable(request))
                    {
                        var table = TablePrinter.Table(target.Type, page.Items.Select(i => i.Object), page.ResourceVersion, Now);
                        var meta = (JsonObject)table["metadata"]!;
                        if (page.Continue is { } token) meta["continue"] = token;
                        if (page.RemainingItemCount is { } left) meta["remainingItemCount"] = left;
                        await WriteJson(context, 200, table);
                        return;
                    }
                    await WriteList(context, target.Type, page);
                    return;
                }
            case "GET":
                {
                    var stored = Api.Find(target.Type, target.Namespace, target.Name!) ?? throw ApiException.NotFound(target.Type, target.Name!);
                    if (target.Subresource == "scale") { await WriteJson(context, 200, Api.ScaleOf(target.Type, stored)); return; }
                    if (WantsTable(request)) { await WriteJson(context, 200, TablePrinter.Table(target.Type, [stored.Object], stored.ResourceVersion, Now)); return; }
                    await WriteRaw(context, 200, stored.Json);
                    return;
                }
            case "POST":
                {
                    if (target.Name is not null) throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
                    var body = await ReadObject(request);
                    var result = Api.Create(target.Type, target.Namespace, body, WriteOptionsOf(request));
                    AddWarnings(context, result.Warnings);
                    await WriteJson(context, 201, result.Object);
                    return;
                }
            case "PUT":
                {
                    var body = await ReadObject(request);
                    WriteResult result;
                    if (target.Subresource == "scale")
                    {
                        var current = Api.Find(target.Type, target.Namespace, target.Name!) ?? throw ApiException.NotFound(target.Type, target.Name!);
                        result = new(Api.ApplyScale(target.Type, current, body, WriteOptionsOf(request)), []);
                    }
                    else result = Api.Update(target.Type, target.Namespace, target.Name!, body, target.Subresource, WriteOptionsOf(request));
                    AddWarnings(context, result.Warnings);
                    await WriteJson(context, 200, result.Object);
                    return;
                }
            case "PATCH":
                {
                    var contentType = request.ContentType ?? "";
                    var text = await ReadText(request);
                    var result = Api.Patch(target.Type, target.Namespace, target.Name!, contentType, text, target.Subresource,
                        WriteOptionsOf(request, apply: contentType.StartsWith("application/apply-patch", StringComparison.Ordinal)));
                    AddWarnings(context, result.Warnings);
                    await WriteJson(context, 200, result.Object);
                    return;
                }
            case "DELETE":
                {
                    var options = await DeleteOptionsOf(request);
                    var result = Api.Delete(target.Type, target.Namespace, target.Name!, options);
                    // Gone at once: most kinds answer a Status; pods, services, namespaces and service accounts
                    // return the deleted object (their registries' ReturnDeletedObject). Still there: the object.
                    var gone = !options.DryRun && Api.Find(target.Type, target.Namespace, target.Name!) is null;
                    if (gone && !ReturnsDeletedObject.Contains(target.Type.Plural))
                    {
                        var details = ApiException.DetailsFor(target.Type, target.Name);
                        details["uid"] = result["metadata"]?["uid"]?.DeepClone();
                        await WriteJson(context, 200, new JsonObject
                        {
                            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = details,
                        });
                        return;
                    }
                    await WriteJson(context, 200, result);
                    return;
                }
            case "DELETECOLLECTION":
                {
                    var options = await DeleteOptionsOf(request);
                    var (items, rv) = Api.List(target.Type, target.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"], target.Type));
                    foreach (var item in items)
                    {
                        try { Api.Delete(target.Type, item.Namespace, item.Name, options); }
                        catch (ApiException e) when (e.Code == 404) { }
                    }
                    await WriteList(context, target.Type, new ListPage(items, rv, null, null));
                    return;
                }
        }
    }

    DateTime Now => Api.Clock.GetUtcNow().UtcDateTime;

    static readonly HashSet<string> ReturnsDeletedObject = ["pods", "services", "namespaces", "serviceaccounts"];

    static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    static WriteOptions WriteOptionsOf(HttpRequest request, bool apply = false)
    {
        var query = request.Query;
        var named = query["fieldManager"].ToString();
        var force = QueryBool(query["force"]);
        // As apimachinery's ValidatePatchOptions: an apply names its manager; only an apply may force.
        if (apply && named.Length == 0) throw PatchOptionsInvalid("fieldManager: Required value: is required for apply patch");
        if (!apply && query["force"].Count > 0) throw PatchOptionsInvalid("force: Forbidden: may not be specified for non-apply patch");
        if (named.Length > 128) throw PatchOptionsInvalid($"fieldManager: Too long: may not be more than 128 bytes");
        return new(
            DryRun: query["dryRun"] is ["All"],
            FieldValidation: query["fieldValidation"].ToString() switch
            {
                "Strict" => FieldValidation.Strict,
                "Ignore" => FieldValidation.Ignore,
                _ => FieldValidation.Warn,
            },
            Manager: new FieldManager(named.Length > 0 ? named : FieldManager.FromUserAgent(request.Headers.UserAgent), Force: force));
    }

    static ApiException PatchOptionsInvalid(string error) =>
        new(422, "Invalid", $"PatchOptions.meta.k8s.io \"\" is invalid: {error}", new JsonObject { ["group"] = "meta.k8s.io", ["kind"] = "PatchOptions" });

    /// <summary>A boolean query parameter as apimachinery converts it: the first value; 0 or false (any case) is false, anything else, empty included, is true.</summary>
    internal static bool QueryBool(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && !(values[0] is "0" || string.Equals(values[0], "false", StringComparison.OrdinalIgnoreCase));

    static async Task<DeleteOptions> DeleteOptionsOf(HttpRequest request)
    {
        var query = request.Query;
        long? grace = long.TryParse(query["gracePeriodSeconds"], CultureInfo.InvariantCulture, out var g) ? g : null;
        var propagation = query["propagationPolicy"].ToString() is { Length: > 0 } p ? p : "Background";
        long? precondition = null;
        var dryRun = query["dryRun"] is ["All"];
        var text = await ReadText(request);
        if (!string.IsNullOrWhiteSpace(text) && JsonNode.Parse(text) is JsonObject body)
        {
            grace = body["gracePeriodSeconds"]?.ToLong() ?? grace;
            propagation = body["propagationPolicy"]?.ToString() ?? (body["orphanDependents"]?.ToString() == "true" ? "Orphan" : propagation);
            precondition = body["preconditions"]?["resourceVersion"]?.ToLong();
            dryRun |= body["dryRun"] is JsonArray d && d.Any(x => x?.ToString() == "All");
        }
        return new DeleteOptions(grace, propagation, precondition, dryRun);
    }

    static async Task<string> ReadText(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    internal static async Task<JsonObject> ReadObject(HttpRequest request)
    {
        var mediaType = (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType == Protobuf.KubernetesProtobuf.MediaType)
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            if (buffer.Length == 0) throw ApiException.BadRequest("the body of the request was empty");
            return Protobuf.KubernetesProtobuf.Decode(buffer.ToArray());
        }
        // As kube-apiserver: no Content-Type means JSON; a form or text/plain (what a page elsewhere can post
        // without asking first) is no object at all.
        if (mediaType is not ("" or "application/json" or "application/yaml" or "*/*"))
            throw new ApiException(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        var text = await ReadText(request);
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest("the body of the request was empty");
        JsonNode? node;
        try
        {
            node = (request.ContentType ?? "").Contains("yaml", StringComparison.OrdinalIgnoreCase) ? YamlJson.Parse(text) : JsonNode.Parse(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized: couldn't get version/kind; json parse error: {e.Message}");
        }
        return node as JsonObject ?? throw ApiException.BadRequest("the object provided is unrecognized: the body must be a JSON object");
    }

    static void AddWarnings(HttpContext context, IReadOnlyList<string> warnings)
    {
        foreach (var w in warnings) context.Response.Headers.Append("Warning", WarningHeader(w));
    }

    /// <summary>
    /// A Warning header as apimachinery's NewWarningHeader quotes it (<c>"</c> and <c>\</c> escaped). A warning may quote
    /// what a client sent (an unknown field's name), so anything a header cannot carry (control characters,
    /// non-ASCII) becomes <c>?</c>: the object was written, and the answer must still reach the client.
    /// </summary>
    public static string WarningHeader(string text)
    {
        var quoted = new StringBuilder("299 - \"", text.Length + 10);
        foreach (var c in text)
        {
            if (c is '"' or '\\') quoted.Append('\\').Append(c);
            else if (c == '\t' || c is >= ' ' and <= '~') quoted.Append(c);
            else quoted.Append('?');
        }
        return quoted.Append('"').ToString();
    }

    static async Task WriteList(HttpContext context, ResourceType type, ListPage page)
    {
        // Items are pre-serialised once per version; build the list by concatenation instead of re-serialising.
        var items = page.Items;
        var builder = new StringBuilder();
        builder.Append("{\"kind\":\"").Append(type.Kind).Append("List\",\"apiVersion\":\"").Append(type.GroupVersion).Append("\",");
        ListPaging.WriteMetadata(builder, page);
        builder.Append(",\"items\":[");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) builder.Append(',');
            builder.Append(items[i].Json);
        }
        builder.Append("]}");
        await WriteRaw(context, 200, builder.ToString());
    }

    async Task Watch(HttpContext context, Target target)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], target.Type);
        if (target.Name is not null) throw ApiException.MethodNotAllowed("watch requires a collection path");
        long? fromRv = query["resourceVersion"].ToString() is { Length: > 0 } rvText
            ? long.TryParse(rvText, CultureInfo.InvariantCulture, out var rv) ? rv : throw ApiException.BadRequest($"invalid resourceVersion \"{rvText}\"")
            : null;
        var bookmarks = QueryBool(query["allowWatchBookmarks"]);
        var timeout = int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var table = WantsTable(context.Request);

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        var body = context.Response.Body;

        WatchSubscription subscription;
        try
        {
            if (faults.Active is { ExpireWatches: true } && fromRv is > 0) throw ApiException.Gone($"too old resource version: {fromRv} ({cluster.Store.ResourceVersion})");
            subscription = cluster.Store.Watch(target.Type, target.Namespace, fromRv);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            // The apiserver answers an expired resourceVersion with 200 and an ERROR event; reflectors relist.
            await WriteLine(body, $"{{\"type\":\"ERROR\",\"object\":{e.ToStatus().ToJsonString(ModelJson.Wire)}}}");
            return;
        }

        using var _ = subscription;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutSource.CancelAfter(timeout);
        var lastRv = fromRv ?? 0;
        var sentColumns = false;
        try
        {
            await context.Response.StartAsync(timeoutSource.Token);
            await body.FlushAsync(timeoutSource.Token);
            var reader = subscription.Events;
            while (!timeoutSource.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token);
                wait.CancelAfter(BookmarkInterval);
                bool available;
                try { available = await reader.WaitToReadAsync(wait.Token); }
                catch (OperationCanceledException) when (!timeoutSource.IsCancellationRequested)
                {
                    if (bookmarks && lastRv > 0)
                        await WriteLine(body, $"{{\"type\":\"BOOKMARK\",\"object\":{{\"kind\":\"{target.Type.Kind}\",\"apiVersion\":\"{target.Type.GroupVersion}\",\"metadata\":{{\"resourceVersion\":\"{lastRv}\"}}}}}}");
                    continue;
                }
                if (!available) break; // dropped (slow, or the server is restarting): the client resumes
                while (reader.TryRead(out var change))
                {
                    lastRv = change.ResourceVersion;
                    if (fields.Name is { } only && change.Object.Name != only) continue;
                    var type = FilteredType(change, labels, fields);
                    if (type is null) continue;
                    var payload = table
                        ? TablePrinter.Table(target.Type, [change.Object.Object], change.ResourceVersion, Now, includeColumns: !sentColumns).ToJsonString(ModelJson.Wire)
                        : change.Object.Json;
                    sentColumns = true;
                    await WriteLine(body, $"{{\"type\":\"{type}\",\"object\":{payload}}}");
                }
                if (faults.Active is { DropWatches: true }) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>What a filtered watcher sees: an object entering the selection is ADDED to it, one leaving it is DELETED.</summary>
    static string? FilteredType(StoreEvent change, LabelSelector labels, FieldSelector fields)
    {
        if (labels.IsEmpty && fields.IsEmpty) return change.TypeName;
        bool Matches(StoredObject? o) => o is not null && labels.Matches(o.Object) && fields.Matches(o.Object);
        var now = Matches(change.Object);
        var before = Matches(change.Previous);
        return change.Type switch
        {
            StoreEventType.Added => now ? "ADDED" : null,
            StoreEventType.Deleted => before || now ? "DELETED" : null,
            _ => (before, now) switch { (true, true) => "MODIFIED", (false, true) => "ADDED", (true, false) => "DELETED", _ => null },
        };
    }

    static async Task WriteLine(Stream body, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        await body.WriteAsync(bytes);
        await body.FlushAsync();
    }

    internal async Task HandleFaults(HttpContext context)
    {
        switch (context.Request.Method)
        {
            case "POST":
                var body = await ReadObject(context.Request);
                var settings = faults.Set(body);
                if (settings.ExpireWatches) { cluster.Store.ExpireHistory(); cluster.Store.CloseAllWatches(); }
                // closeWatches: a one-off drop of every open watch, whatever else the body switches on.
                if (settings.DropWatches || body["closeWatches"]?.ToString() == "true") cluster.Store.CloseAllWatches();
                await WriteJson(context, 200, faults.Describe());
                return;
            case "DELETE":
                faults.Clear();
                await WriteJson(context, 200, faults.Describe());
                return;
            default:
                await WriteJson(context, 200, faults.Describe());
                return;
        }
    }

    internal static Task WriteJson(HttpContext context, int status, JsonObject body) => WriteRaw(context, status, body.ToJsonString(ModelJson.Wire));

    static async Task WriteRaw(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    internal static Task WriteError(HttpContext context, ApiException e)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        return WriteJson(context, e.Code, e.ToStatus());
    }
}
