using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices;
using Dashboard.Web.Cluster;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>Who acts: a name and groups, as the cluster's RBAC knows them.</summary>
public sealed record Person(string Name, IReadOnlyList<string> Groups);

/// <summary>A person on one cluster: the clients that act as them there and the rollout operations through those clients.</summary>
public sealed record ActingPerson(Person Person, string? Context, IKubernetesClientProvider Clients, RolloutOperations Operations)
{
    public string Name => Person.Name;
}

public static class PersonClaims
{
    public const string Token = "k8s:token";
    public const string Group = "k8s:group";
    /// <summary>When the sign-in ends (round-trip time, UTC), whatever the cookie says: open circuits end then too.</summary>
    public const string Expires = "k8s:expires";
}

/// <summary>Adds impersonation headers: the dashboard's service account acting as the signed-in person.</summary>
public sealed class ImpersonationHandler(string user, IReadOnlyList<string> groups) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Remove("Impersonate-User");
        request.Headers.Remove("Impersonate-Group");
        request.Headers.Add("Impersonate-User", user);
        foreach (var group in groups) request.Headers.Add("Impersonate-Group", group);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The clients of each signed-in person, made once and kept: with <c>Auth__Mode=Token</c> their own
/// bearer token, with <c>Oidc</c> the dashboard's credentials impersonating them and their groups, with
/// <c>None</c> the dashboard's own. Reads for the shared caches never go through these.
/// </summary>
public sealed class PersonClients(ClusterConnection connection, ClusterContexts clusters, ClusterScopeFactory scopes, IOptions<AuthOptions> options) : IDisposable
{
    readonly ConcurrentDictionary<string, Lazy<ActingPerson>> _people = new(StringComparer.Ordinal);
    readonly ConcurrentBag<KubernetesClientProvider> _owned = [];

    public AuthMode Mode => options.Value.Mode ?? AuthMode.None;

    /// <summary>Who signed in; null when sign-in is required and nobody did.</summary>
    public Person? Who(ClaimsPrincipal user)
    {
        if (Mode == AuthMode.None) return new Person("dashboard-user", []);
        if (user.Identity?.IsAuthenticated != true) return null;
        return new Person(user.Identity.Name ?? "unknown", user.FindAll(PersonClaims.Group).Select(c => c.Value).ToList());
    }

    /// <summary>The person and their clients on a context's cluster (null: the dashboard's own); null when sign-in is required and nobody signed in.</summary>
    public ActingPerson? For(ClaimsPrincipal user, string? context = null)
    {
        if (Who(user) is not { } person) return null;
        var scope = clusters.Get(context);
        // Without sign-in everyone acts as the dashboard, on whichever cluster they picked.
        if (Mode == AuthMode.None) return new ActingPerson(person, scope.Context, scope.Clients, scope.Operations);
        var token = user.FindFirst(PersonClaims.Token)?.Value;
        var key = (Mode == AuthMode.Token ? $"token:{Hash(token ?? "")}" : $"oidc:{person.Name}:{string.Join(',', person.Groups)}") + $"@{scope.Context}";
        return _people.GetOrAdd(key, _ => new Lazy<ActingPerson>(() =>
        {
            var cluster = scope.Context is null || scope.Context == connection.Context ? connection.ConfigurationAsync.Result : connection.ConfigurationFor(scope.Context);
            // Token: the person's own token is the only credential. Oidc: the dashboard's credentials, impersonating them.
            var clients = Mode == AuthMode.Token
                ? new KubernetesClientProvider(ClientConfiguration.For(cluster, token))
                : new KubernetesClientProvider(cluster, requestHandlers: new ImpersonationHandler(person.Name, person.Groups));
            _owned.Add(clients);
            return new ActingPerson(person, scope.Context, clients, scopes.OperationsFor(clients, scope.Resilience));
        })).Value;
    }

    static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public void Dispose()
    {
        foreach (var clients in _owned) clients.Dispose();
    }
}

public static class ClientConfiguration
{
    /// <summary>Who the cluster says a token belongs to (a SelfSubjectReview, which needs no RBAC). Throws 401 for a token it does not accept.</summary>
    public static async Task<V1UserInfo> WhoIsAsync(KubernetesClientConfiguration cluster, string token, CancellationToken cancellationToken = default)
    {
        using var client = new k8s.Kubernetes(For(cluster, token));
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: cancellationToken);
        return review.Status.UserInfo;
    }

    /// <summary>The cluster's address and certificate authority with a person's token as the only credential.</summary>
    public static KubernetesClientConfiguration For(KubernetesClientConfiguration cluster, string? token) => new()
    {
        Host = cluster.Host,
        SslCaCerts = cluster.SslCaCerts,
        SkipTlsVerify = cluster.SkipTlsVerify,
        TlsServerName = cluster.TlsServerName,
        AccessToken = token,
    };
}
