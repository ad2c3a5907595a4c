using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Resilience;
using Dashboard.Web.Cluster;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>Who acts, and the clients that act as them: the cluster's RBAC decides what they may do.</summary>
public sealed record Person(string Name, IReadOnlyList<string> Groups, IKubernetesClientProvider Clients, RolloutOperations Operations);

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
public sealed class PersonClients(ClusterConnection connection, IKubernetesClientProvider shared, RolloutOperations sharedOperations,
    KubernetesResilience resilience, IOptions<AuthOptions> options, ILoggerFactory loggers, TimeProvider clock) : IDisposable
{
    readonly ConcurrentDictionary<string, Lazy<Person>> _people = new(StringComparer.Ordinal);
    readonly ConcurrentBag<KubernetesClientProvider> _owned = [];

    public AuthMode Mode => options.Value.Mode ?? AuthMode.None;

    /// <summary>The person and their clients on a context's cluster (null: the dashboard's own); null when sign-in is required and nobody signed in.</summary>
    public Person? For(ClaimsPrincipal user, string? context = null)
    {
        if (Mode == AuthMode.None) return new Person("dashboard-user", [], shared, sharedOperations);
        if (user.Identity?.IsAuthenticated != true) return null;
        var name = user.Identity.Name ?? "unknown";
        var groups = user.FindAll(PersonClaims.Group).Select(c => c.Value).ToList();
        var token = user.FindFirst(PersonClaims.Token)?.Value;
        if (context == connection.Context) context = null;
        var key = (Mode == AuthMode.Token ? $"token:{Hash(token ?? "")}" : $"oidc:{name}:{string.Join(',', groups)}") + $"@{context}";
        return _people.GetOrAdd(key, _ => new Lazy<Person>(() =>
        {
            var cluster = context is null ? connection.ConfigurationAsync.Result : connection.ConfigurationFor(context);
            // Token: the person's own token is the only credential. Oidc: the dashboard's credentials, impersonating them.
            var clients = Mode == AuthMode.Token
                ? new KubernetesClientProvider(ClientConfiguration.For(cluster, token))
                : new KubernetesClientProvider(cluster, requestHandlers: new ImpersonationHandler(name, groups));
            _owned.Add(clients);
            return new Person(name, groups, clients, new RolloutOperations(clients, resilience, loggers.CreateLogger<RolloutOperations>(), clock));
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
