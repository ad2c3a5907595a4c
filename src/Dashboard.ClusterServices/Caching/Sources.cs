using Dashboard.ClusterServices.Model;
using k8s;
using k8s.Models;

namespace Dashboard.ClusterServices.Caching;

/// <summary>List and watch calls of KubernetesClient for the resources the dashboard caches.</summary>
public static class Sources
{
    const int PageSize = 500;

    /// <summary>One page of a list, as the reflector pages through it: the items, the list's resourceVersion, the continue token.</summary>
    static async Task<(IList<T> Items, string ResourceVersion, string? Continue)> PageOf<TList, T>(Task<TList> page)
        where TList : IItems<T>, IMetadata<V1ListMeta>
    {
        var list = await page;
        return (list.Items, list.Metadata.ResourceVersion, list.Metadata.ContinueProperty);
    }

    public static ResourceSource<V1Pod, PodView> Pods(IKubernetesClientProvider clients, TimeProvider clock) => new(
        "pods",
        (ns, token, ct) => PageOf<V1PodList, V1Pod>(ns is null
            ? clients.Read.CoreV1.ListPodForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: ct)
            : clients.Read.CoreV1.ListNamespacedPodAsync(ns, continueParameter: token, limit: PageSize, cancellationToken: ct)),
        (ns, rv, onError, ct) => ns is null
            ? clients.Watch.CoreV1.WatchListPodForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : clients.Watch.CoreV1.WatchListNamespacedPodAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
        pod => ViewMapper.Pod(pod, clock.GetUtcNow().UtcDateTime));

    public static ResourceSource<V1Deployment, DeploymentView> Deployments(IKubernetesClientProvider clients) => new(
        "deployments",
        (ns, token, ct) => PageOf<V1DeploymentList, V1Deployment>(ns is null
            ? clients.Read.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: ct)
            : clients.Read.AppsV1.ListNamespacedDeploymentAsync(ns, continueParameter: token, limit: PageSize, cancellationToken: ct)),
        (ns, rv, onError, ct) => ns is null
            ? clients.Watch.AppsV1.WatchListDeploymentForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : clients.Watch.AppsV1.WatchListNamespacedDeploymentAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
        ViewMapper.Deployment);

    public static ResourceSource<V1ReplicaSet, ReplicaSetView> ReplicaSets(IKubernetesClientProvider clients) => new(
        "replicasets",
        (ns, token, ct) => PageOf<V1ReplicaSetList, V1ReplicaSet>(ns is null
            ? clients.Read.AppsV1.ListReplicaSetForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: ct)
            : clients.Read.AppsV1.ListNamespacedReplicaSetAsync(ns, continueParameter: token, limit: PageSize, cancellationToken: ct)),
        (ns, rv, onError, ct) => ns is null
            ? clients.Watch.AppsV1.WatchListReplicaSetForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : clients.Watch.AppsV1.WatchListNamespacedReplicaSetAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
        ViewMapper.ReplicaSet);

    public static ResourceSource<Corev1Event, EventView> Events(IKubernetesClientProvider clients) => new(
        "events",
        (ns, token, ct) => PageOf<Corev1EventList, Corev1Event>(ns is null
            ? clients.Read.CoreV1.ListEventForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: ct)
            : clients.Read.CoreV1.ListNamespacedEventAsync(ns, continueParameter: token, limit: PageSize, cancellationToken: ct)),
        (ns, rv, onError, ct) => ns is null
            ? clients.Watch.CoreV1.WatchListEventForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : clients.Watch.CoreV1.WatchListNamespacedEventAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
        ViewMapper.Event);

    public static ResourceSource<V1Endpoints, EndpointsView> Endpoints(IKubernetesClientProvider clients) => new(
        "endpoints",
        (ns, token, ct) => PageOf<V1EndpointsList, V1Endpoints>(ns is null
            ? clients.Read.CoreV1.ListEndpointsForAllNamespacesAsync(continueParameter: token, limit: PageSize, cancellationToken: ct)
            : clients.Read.CoreV1.ListNamespacedEndpointsAsync(ns, continueParameter: token, limit: PageSize, cancellationToken: ct)),
        (ns, rv, onError, ct) => ns is null
            ? clients.Watch.CoreV1.WatchListEndpointsForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct)
            : clients.Watch.CoreV1.WatchListNamespacedEndpointsAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: clients.WatchTimeoutSeconds, onError: onError, cancellationToken: ct),
        ViewMapper.Endpoints);
}
