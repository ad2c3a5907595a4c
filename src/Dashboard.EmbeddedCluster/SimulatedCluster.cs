using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.EmbeddedCluster.Controllers;
using Dashboard.EmbeddedCluster.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.EmbeddedCluster;

/// <summary>
/// The cluster itself: storage, the API semantics and the controllers (deployment, replicaset,
/// kubelet, endpoints, garbage collector, namespace). It has no network face; an
/// <see cref="EmbeddedApiServer"/> serves it over HTTP and can stop and start while it runs on.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    readonly ControllerLoop _loop;
    readonly EndpointsController _endpoints;

    public SimulatedCluster(EmbeddedClusterOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
    {
        Options = options;
        clock ??= TimeProvider.System;
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Dashboard.EmbeddedCluster");
        Store = new ObjectStore(string.IsNullOrEmpty(options.DataPath) ? null : new FileStorePersistence(options.DataPath), options.WatchHistory);
        Api = new ClusterApi(Store, clock);
        Access = new Access(Store, string.IsNullOrEmpty(options.TokenAuthFile) ? null : options.TokenAuthFile, Access.NewAdminToken());
        _loop = new ControllerLoop(clock, logger);
        Events = new EventRecorder(Api);
        var deployments = new DeploymentController(Api, Events, _loop);
        var replicaSets = new ReplicaSetController(Api, Events, _loop);
        Kubelet = new SimulatedKubelet(Api, Events, _loop, options);
        _endpoints = new EndpointsController(Api);
        var gc = new GarbageCollector(Api);
        var namespaces = new NamespaceController(Api, _loop);
        _loop.Register(DeploymentController.Kind, deployments.Sync);
        _loop.Register(ReplicaSetController.Kind, replicaSets.Sync);
        _loop.Register(SimulatedKubelet.Kind, Kubelet.Sync);
        _loop.Register(EndpointsController.Kind, _endpoints.Sync);
        _loop.Register(GarbageCollector.Kind, gc.Sync);
        _loop.Register(DeletionFinalizers.Kind, new DeletionFinalizers(Api).Sync);
        _loop.Register(NamespaceController.Kind, namespaces.Sync);
        Store.AddListener(Route);
    }

    public EmbeddedClusterOptions Options { get; }
    public ObjectStore Store { get; }

    /// <summary>Authentication, impersonation and RBAC of API requests.</summary>
    public Access Access { get; }
    public ClusterApi Api { get; }
    public EventRecorder Events { get; }
    public SimulatedKubelet Kubelet { get; }

    /// <summary>Creates the system namespaces, nodes and (when asked) the seed workloads, then starts the controllers.</summary>
    public void Start()
    {
        var fresh = Store.List(ResourceTypes.Namespaces, null).Items.Count == 0;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            if (Api.Find(ResourceTypes.Namespaces, null, ns) is null)
                Api.Create(ResourceTypes.Namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        if (Api.Find(ResourceTypes.Services, "default", "kubernetes") is null)
            Api.Create(ResourceTypes.Services, "default", SeedWorkloads.KubernetesService());
        Kubelet.EnsureNodes();
        if (fresh && Options.Seed) SeedWorkloads.Apply(Api);
        if (fresh && Options.GeneratedPods > 0) SeedWorkloads.Generate(Api, Options.GeneratedPods, Options.GeneratedDeployments);
        _loop.Start();
        // Catch up with whatever was stored while no controller ran (a restart with a data path).
        foreach (var d in Store.List(ResourceTypes.Deployments, null).Items) _loop.Enqueue(DeploymentController.Kind, d.Key);
        foreach (var rs in Store.List(ResourceTypes.ReplicaSets, null).Items) _loop.Enqueue(ReplicaSetController.Kind, rs.Key);
        foreach (var pod in Store.List(ResourceTypes.Pods, null).Items) _loop.Enqueue(SimulatedKubelet.Kind, pod.Key);
        foreach (var svc in Store.List(ResourceTypes.Services, null).Items) _loop.Enqueue(EndpointsController.Kind, svc.Key);
        foreach (var ns in Store.List(ResourceTypes.Namespaces, null).Items) _loop.Enqueue(NamespaceController.Kind, ns.Key);
    }

    /// <summary>Store change to controller work: the informer event handlers of kube-controller-manager.</summary>
    void Route(StoreEvent change)
    {
        var obj = change.Object;
        var key = obj.Key;
        var type = obj.Type;
        if (change.Type == StoreEventType.Deleted && obj.Object["metadata"]?["uid"]?.ToString() is { } uid)
            _loop.Enqueue(GarbageCollector.Kind, Keys.Of(obj.Namespace, uid));
        // An owner deleted in the foreground waits for its dependents (it is looked at when it is marked and each time one of
        // them goes); one deleted with orphan waits until they no longer name it.
        if (obj.Object["metadata"]?["finalizers"] is JsonArray finalizers && finalizers.Any(f => f?.ToString() is ClusterApi.ForegroundDeletion or ClusterApi.OrphanFinalizer))
            _loop.Enqueue(DeletionFinalizers.Kind, DeletionFinalizers.KeyOf(type, obj.Namespace, obj.Name));
        if (change.Type == StoreEventType.Deleted && obj.Object["metadata"]?["ownerReferences"] is JsonArray owners)
            foreach (var owner in owners)
                if (ResourceTypes.All.FirstOrDefault(t => t.Kind == owner?["kind"]?.ToString()) is { } ownerType && owner?["name"]?.ToString() is { } ownerName)
                    _loop.Enqueue(DeletionFinalizers.Kind, DeletionFinalizers.KeyOf(ownerType, obj.Namespace, ownerName));

        if (type == ResourceTypes.Deployments)
        {
            _loop.Enqueue(DeploymentController.Kind, key);
        }
        else if (type == ResourceTypes.ReplicaSets)
        {
            _loop.Enqueue(ReplicaSetController.Kind, key);
            if (Keys.ControllerRefOf(obj.Object) is { } owner && owner["kind"]?.ToString() == "Deployment")
                _loop.Enqueue(DeploymentController.Kind, Keys.Of(obj.Namespace, owner["name"]!.ToString()));
        }
        else if (type == ResourceTypes.Pods)
        {
            if (change.Type != StoreEventType.Deleted) _loop.Enqueue(SimulatedKubelet.Kind, key);
            else Kubelet.Forget(obj.Object["metadata"]?["uid"]?.ToString() ?? "");
            if (Keys.ControllerRefOf(obj.Object) is { } owner && owner["kind"]?.ToString() == "ReplicaSet")
            {
                var rsName = owner["name"]!.ToString();
                _loop.Enqueue(ReplicaSetController.Kind, Keys.Of(obj.Namespace, rsName));
                // Recreate waits for the last old pod to be gone (deployment controller's deletePod handler).
                if (change.Type == StoreEventType.Deleted
                    && Store.Get(ResourceTypes.ReplicaSets, obj.Namespace, rsName) is { } rs
                    && Keys.ControllerRefOf(rs.Object) is { } deployment && deployment["kind"]?.ToString() == "Deployment")
                    _loop.Enqueue(DeploymentController.Kind, Keys.Of(obj.Namespace, deployment["name"]!.ToString()));
            }
            var labels = LabelSelector.Labels(obj.Object);
            var before = change.Previous is null ? labels : LabelSelector.Labels(change.Previous.Object);
            foreach (var service in _endpoints.ServicesSelecting(obj.Namespace, labels).Union(_endpoints.ServicesSelecting(obj.Namespace, before)))
                EnqueueEndpoints(Keys.Of(obj.Namespace, service));
        }
        else if (type == ResourceTypes.Services)
        {
            EnqueueEndpoints(key);
        }
        else if (type == ResourceTypes.Namespaces && change.Type != StoreEventType.Deleted)
        {
            _loop.Enqueue(NamespaceController.Kind, key);
        }
    }

    void EnqueueEndpoints(string key)
    {
        if (Options.EndpointsDelaySeconds > 0) _loop.EnqueueAfter(EndpointsController.Kind, key, TimeSpan.FromSeconds(Options.EndpointsDelaySeconds));
        else _loop.Enqueue(EndpointsController.Kind, key);
    }

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync();
        Store.Dispose();
    }
}
