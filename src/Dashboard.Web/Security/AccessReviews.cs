using k8s;
using k8s.Models;

namespace Dashboard.Web.Security;

/// <summary>
/// "May this person do this?", answered by the cluster's RBAC: a SelfSubjectAccessReview sent as the
/// person, its answer shared for a while (<see cref="PermissionCache"/>). Pages and the hub ask the
/// same question the same way.
/// </summary>
public sealed class AccessReviews(PersonClients people, PermissionCache permissions)
{
    public async Task<bool> AllowedAsync(ActingPerson person, string verb, string group, string resource, string ns, CancellationToken cancellationToken)
    {
        if (people.Mode == AuthMode.None) return true;
        var key = PermissionCache.Key(person.Context, person.Name, verb, group, resource, ns);
        if (permissions.TryGet(key, out var known)) return known;
        bool allowed;
        try
        {
            var review = await person.Clients.Read.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
            {
                Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, NamespaceProperty = ns } },
            }, cancellationToken: cancellationToken);
            allowed = review.Status.Allowed;
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            // Unknown is not allowed: the button stays disabled, the stream is refused, and the cluster would refuse anyway.
            return false;
        }
        permissions.Set(key, allowed);
        return allowed;
    }

    /// <summary>
    /// Whether a namespace exists, asked as the person (a GET; the answer shared like a review's). A
    /// namespace nobody created costs no cache and no watch: pages and streams of made-up names stop here.
    /// A person who may not get namespaces is not refused by this (their RBAC review decides).
    /// </summary>
    public async Task<bool> NamespaceExistsAsync(ActingPerson person, string ns, CancellationToken cancellationToken)
    {
        var key = PermissionCache.Key(person.Context, person.Name, "exists", "", "namespaces", ns);
        if (permissions.TryGet(key, out var known)) return known;
        bool exists;
        try
        {
            await person.Clients.Read.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
            exists = true;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            exists = false;
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            exists = true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        permissions.Set(key, exists);
        return exists;
    }

    /// <summary>
    /// The namespaces among <paramref name="namespaces"/> that exist and whose deployments the person may
    /// list: the shared caches and the records hold more than a person may see. Pages and the APIs ask here.
    /// </summary>
    public async Task<IReadOnlySet<string>> VisibleNamespacesAsync(ActingPerson person, IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        // A namespace that does not exist has nothing to see, and a page of it would open caches for nothing.
        var existing = await Task.WhenAll(namespaces.Distinct(StringComparer.Ordinal).Select(async ns => (ns, exists: await NamespaceExistsAsync(person, ns, cancellationToken))));
        var all = existing.Where(e => e.exists).Select(e => e.ns).ToList();
        if (people.Mode == AuthMode.None) return all.ToHashSet(StringComparer.Ordinal);
        // One review answers for every namespace when the person may list cluster-wide; otherwise ask for each, together.
        if (await AllowedAsync(person, "list", "apps", "deployments", "", cancellationToken)) return all.ToHashSet(StringComparer.Ordinal);
        var answers = await Task.WhenAll(all.Select(async ns => (ns, allowed: await AllowedAsync(person, "list", "apps", "deployments", ns, cancellationToken))));
        return answers.Where(a => a.allowed).Select(a => a.ns).ToHashSet(StringComparer.Ordinal);
    }
}
