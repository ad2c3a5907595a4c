using System.Text.Json.Nodes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// Legacy discovery documents (APIVersions, APIGroupList, APIResourceList). kubectl asks for the
/// aggregated form first and falls back to these when the response is plain application/json.
/// </summary>
public static class Discovery
{
    static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.4-embedded",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-01T00:00:00Z",
        ["goVersion"] = "go1.23.8",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "32",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary>The reviews: created and answered, never stored (the routes in ApiRouting serve them).</summary>
    static readonly (string GroupVersion, string Plural, string Singular, string Kind)[] Reviews =
    [
        ("authentication.k8s.io/v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview"),
        ("authentication.k8s.io/v1", "tokenreviews", "tokenreview", "TokenReview"),
        ("authorization.k8s.io/v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview"),
    ];

    static IEnumerable<(string Group, string Version)> GroupVersions =>
        ResourceTypes.All.Where(r => r.Group.Length > 0).Select(r => (r.Group, r.Version))
            .Concat(Reviews.Select(r => (r.GroupVersion.Split('/')[0], r.GroupVersion.Split('/')[1]))).Distinct();

    static IEnumerable<string> Groups => GroupVersions.Select(g => g.Group).Distinct();

    static JsonObject Group(string group)
    {
        var versions = GroupVersions.Where(g => g.Group == group).Select(g => g.Version).Distinct().ToList();
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v }).ToArray()),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups.Select(g => (JsonNode)Group(g)).ToArray()),
    };

    public static JsonObject? GroupDocument(string group) =>
        Groups.Contains(group) ? Group(group).Also(g => { g["kind"] = "APIGroup"; g["apiVersion"] = "v1"; }) : null;

    public static JsonObject? ResourceList(string groupVersion)
    {
        var types = ResourceTypes.All.Where(r => r.GroupVersion == groupVersion).ToList();
        var reviews = Reviews.Where(r => r.GroupVersion == groupVersion).ToList();
        if (types.Count == 0 && reviews.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var r in reviews)
            resources.Add(new JsonObject { ["name"] = r.Plural, ["singularName"] = r.Singular, ["namespaced"] = false, ["kind"] = r.Kind, ["verbs"] = new JsonArray("create") });
        foreach (var t in types)
        {
            var verbs = t == ResourceTypes.Nodes || t == ResourceTypes.Namespaces
                ? ["create", "delete", "get", "list", "patch", "update", "watch"]
                : AllVerbs;
            var entry = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (t.ShortNames.Length > 0) entry["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)s).ToArray());
            if (t.Kind is "Deployment" or "ReplicaSet" or "Pod" or "Service") entry["categories"] = new JsonArray("all");
            entry["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(t.Key)))[..11];
            resources.Add(entry);
            foreach (var sub in t.Subresources)
            {
                var subEntry = new JsonObject
                {
                    ["name"] = $"{t.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                };
                if (sub == "scale")
                {
                    subEntry["group"] = "autoscaling";
                    subEntry["version"] = "v1";
                    subEntry["kind"] = "Scale";
                }
                if (sub == "finalize") subEntry["verbs"] = new JsonArray("update");
                resources.Add(subEntry);
            }
        }
        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources };
    }

    /// <summary>
    /// OpenAPI v3, a document per group-version: the operations (a fieldValidation parameter on each write,
    /// so kubectl leaves validation to the server) and every kind's schema with its documentation
    /// (<see cref="OpenApiSchemas"/>), so <c>kubectl explain</c> works.
    /// </summary>
    public static JsonObject OpenApiRoot() => new()
    {
        ["paths"] = new JsonObject(ResourceTypes.GroupVersions.Select(gv => KeyValuePair.Create<string, JsonNode?>(
            OpenApiPath(gv), new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{OpenApiPath(gv)}?hash=EMBEDDED1" }))),
    };

    public static string OpenApiPath(string groupVersion) => groupVersion.Contains('/') ? $"apis/{groupVersion}" : $"api/{groupVersion}";

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonObject?> OpenApiDocuments = new(StringComparer.Ordinal);

    /// <summary>The document of a group-version (built once: the schemas do not change while the cluster runs).</summary>
    public static JsonObject? OpenApiGroupVersion(string path) => OpenApiDocuments.GetOrAdd(path, BuildOpenApiGroupVersion)?.DeepClone().AsObject();

    static JsonObject? BuildOpenApiGroupVersion(string path)
    {
        var groupVersion = path.StartsWith("apis/", StringComparison.Ordinal) ? path[5..] : path.StartsWith("api/", StringComparison.Ordinal) ? path[4..] : null;
        var types = ResourceTypes.All.Where(r => r.GroupVersion == groupVersion).ToList();
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var t in types)
        {
            var basePath = $"/{path}/{(t.Namespaced ? "namespaces/{namespace}/" : "")}{t.Plural}/{{name}}";
            JsonObject Operation(string id) => new()
            {
                ["operationId"] = id,
                ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
                ["parameters"] = new JsonArray(
                    new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                    new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                    new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            };
            paths[basePath] = new JsonObject
            {
                ["patch"] = Operation($"patch{t.Kind}"),
                ["put"] = Operation($"replace{t.Kind}"),
            };
            paths[$"/{path}/{(t.Namespaced ? "namespaces/{namespace}/" : "")}{t.Plural}"] = new JsonObject { ["post"] = Operation($"create{t.Kind}") };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.4-embedded" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = OpenApiSchemas.For(types) },
        };
    }
}

static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject obj, Action<JsonObject> action)
    {
        action(obj);
        return obj;
    }
}
