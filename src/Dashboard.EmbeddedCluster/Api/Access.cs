using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>Who a request acts as, after authentication and impersonation.</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    public const string Masters = "system:masters";
    public const string Authenticated = "system:authenticated";
    public static readonly UserInfo Admin = new("embedded-admin", [Masters, Authenticated]);
}

/// <summary>One request's attributes as the RBAC authorizer sees them.</summary>
public sealed record ResourceAttributes(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name)
{
    public string FullResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";
}

/// <summary>
/// kube-apiserver's front door, in small: bearer tokens from a token file (as <c>--token-auth-file</c>:
/// <c>token,user,uid,"group1,group2"</c>), impersonation headers checked against the <c>impersonate</c>
/// verb, and RBAC over the Roles, ClusterRoles and their bindings in the store. The admin's token is
/// made anew at every start (only the kubeconfig written for it holds it). Without a token file a
/// request with no credentials acts as the admin (the local demo); a bearer token the cluster never
/// issued is refused either way, as kube-apiserver refuses one even with anonymous access on.
/// </summary>
public sealed class Access(ObjectStore store, string? tokenAuthFile, string adminToken)
{
    readonly Dictionary<string, UserInfo> _tokens = Load(tokenAuthFile, adminToken);

    public bool Enabled => tokenAuthFile is not null;

    /// <summary>The cluster admin's bearer token, made at start: what the kubeconfig carries.</summary>
    public string AdminToken => adminToken;

    /// <summary>A fresh admin token: 256 random bits, as lowercase hex.</summary>
    public static string NewAdminToken() => System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);

    static Dictionary<string, UserInfo> Load(string? path, string adminToken)
    {
        var tokens = new Dictionary<string, UserInfo>(StringComparer.Ordinal);
        foreach (var raw in path is null ? [] : File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = SplitCsv(line);
            if (fields.Count < 3) throw new FormatException($"{path}: \"{line}\" is not token,user,uid[,\"groups\"]");
            var groups = fields.Count > 3 ? fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : [];
            groups.Add(UserInfo.Authenticated);
            tokens[fields[0]] = new UserInfo(fields[1], groups.Distinct().ToList());
        }
        // Set last: a token file cannot take the admin's token over.
        tokens[adminToken] = UserInfo.Admin;
        return tokens;
    }

    static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return fields;
    }

    public UserInfo? UserOfToken(string token) => _tokens.GetValueOrDefault(token);

    /// <summary>The user a request acts as; 401 without a known token, 403 for impersonation it may not do.</summary>
    public UserInfo Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0 && !Enabled) return UserInfo.Admin;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || UserOfToken(header["Bearer ".Length..].Trim()) is not { } user)
            throw new ApiException(401, "Unauthorized", "Unauthorized");
        if (!Enabled) return user;
        var impersonateUser = request.Headers["Impersonate-User"].ToString();
        if (impersonateUser.Length == 0)
        {
            if (request.Headers.ContainsKey("Impersonate-Group")) throw ApiException.BadRequest("requested [Impersonate-Group] without impersonating a user");
            return user;
        }
        var groups = request.Headers["Impersonate-Group"].SelectMany(g => (g ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (!Allowed(user, new ResourceAttributes("impersonate", "", "users", null, null, impersonateUser)))
            throw new ApiException(403, "Forbidden", $"users \"{impersonateUser}\" is forbidden: User \"{user.Name}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
        foreach (var group in groups)
            if (!Allowed(user, new ResourceAttributes("impersonate", "", "groups", null, null, group)))
                throw new ApiException(403, "Forbidden", $"groups \"{group}\" is forbidden: User \"{user.Name}\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope");
        return new UserInfo(impersonateUser, [.. groups.Append(UserInfo.Authenticated).Distinct()]);
    }

    /// <summary>RBAC: allowed when a rule of a role bound to the user (or one of its groups) matches.</summary>
    public bool Allowed(UserInfo user, ResourceAttributes request)
    {
        if (!Enabled || user.Groups.Contains(UserInfo.Masters)) return true;
        foreach (var binding in store.List(ResourceTypes.ClusterRoleBindings, null).Items)
            if (Binds(binding.Object, user) && RulesOf(binding.Object["roleRef"], null).Any(r => Matches(r, request)))
                return true;
        if (request.Namespace is not null)
            foreach (var binding in store.List(ResourceTypes.RoleBindings, request.Namespace).Items)
                if (Binds(binding.Object, user) && RulesOf(binding.Object["roleRef"], request.Namespace).Any(r => Matches(r, request)))
                    return true;
        return false;
    }

    /// <summary>RBAC for a path outside the API (<c>/metrics</c>, <c>/_embedded/faults</c>): rules' <c>nonResourceURLs</c>, with a trailing <c>*</c> as a prefix.</summary>
    public bool AllowedPath(UserInfo user, string verb, string path)
    {
        if (!Enabled || user.Groups.Contains(UserInfo.Masters)) return true;
        static bool Matches(JsonObject rule, string verb, string path) =>
            rule["verbs"] is JsonArray verbs && verbs.Any(v => v?.ToString() is "*" || v?.ToString() == verb)
            && rule["nonResourceURLs"] is JsonArray urls && urls.Any(u => u?.ToString() is { } url && (url == path || url.EndsWith('*') && path.StartsWith(url[..^1], StringComparison.Ordinal)));
        return store.List(ResourceTypes.ClusterRoleBindings, null).Items.Any(b => Binds(b.Object, user) && RulesOf(b.Object["roleRef"], null).Any(r => Matches(r, verb, path)));
    }

    /// <summary>kube-apiserver's wording for a refused path.</summary>
    public static ApiException ForbiddenPath(UserInfo user, string verb, string path) =>
        new(403, "Forbidden", $"forbidden: User \"{user.Name}\" cannot {verb} path \"{path}\"");

    static bool Binds(JsonObject binding, UserInfo user) =>
        binding["subjects"] is JsonArray subjects && subjects.OfType<JsonObject>().Any(s => s["kind"]?.ToString() switch
        {
            "User" => s["name"]?.ToString() == user.Name,
            "Group" => user.Groups.Contains(s["name"]?.ToString() ?? ""),
            "ServiceAccount" => user.Name == $"system:serviceaccount:{s["namespace"]}:{s["name"]}",
            _ => false,
        });

    IEnumerable<JsonObject> RulesOf(JsonNode? roleRef, string? ns)
    {
        var name = roleRef?["name"]?.ToString() ?? "";
        var role = roleRef?["kind"]?.ToString() == "Role" && ns is not null
            ? store.Get(ResourceTypes.Roles, ns, name)
            : store.Get(ResourceTypes.ClusterRoles, null, name);
        return role?.Object["rules"] is JsonArray rules ? rules.OfType<JsonObject>() : [];
    }

    static bool Matches(JsonObject rule, ResourceAttributes request)
    {
        static bool Has(JsonNode? list, string value) => list is JsonArray a && a.Any(v => v?.ToString() == "*" || v?.ToString() == value);
        if (!Has(rule["verbs"], request.Verb) || !Has(rule["apiGroups"], request.Group)) return false;
        var resources = rule["resources"] as JsonArray;
        var resourceMatch = resources is not null && resources.Any(r => r?.ToString() is "*" || r?.ToString() == request.FullResource
            || request.Subresource is not null && r?.ToString() == $"*/{request.Subresource}");
        if (!resourceMatch) return false;
        return rule["resourceNames"] is not JsonArray { Count: > 0 } names || request.Name is not null && names.Any(n => n?.ToString() == request.Name);
    }

    /// <summary>kube-apiserver's wording, so kubectl prints what it would against a real cluster.</summary>
    public static ApiException Forbidden(UserInfo user, ResourceAttributes request, ResourceType type)
    {
        var subject = request.Name is null ? request.FullResource : $"{request.FullResource}{(type.Group.Length == 0 ? "" : "." + type.Group)} \"{request.Name}\"";
        if (request.Name is null && type.Group.Length > 0) subject = $"{request.FullResource}.{type.Group}";
        var scope = request.Namespace is null ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"";
        return new ApiException(403, "Forbidden", $"{subject} is forbidden: User \"{user.Name}\" cannot {request.Verb} resource \"{request.FullResource}\" in API group \"{request.Group}\" {scope}",
            new JsonObject { ["name"] = request.Name, ["group"] = type.Group.Length == 0 ? null : type.Group, ["kind"] = type.Plural });
    }
}
