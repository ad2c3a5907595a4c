using System.Collections.Immutable;
using System.Threading.Channels;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Model;

namespace Dashboard.Web.Tests;

/// <summary>A feed a test pushes into: components read it exactly as they read the real caches.</summary>
public sealed class FakeFeed<T>(IReadOnlyList<T> snapshot) : IViewFeed<T>
{
    readonly Channel<CacheUpdate<T>> _updates = Channel.CreateUnbounded<CacheUpdate<T>>();

    public IReadOnlyList<T> Snapshot { get; } = snapshot;
    public bool Disposed { get; private set; }
    public int Subscribed { get; set; }

    public void Push(params Change<T>[] changes) => _updates.Writer.TryWrite(new CacheUpdate<T>(changes));

    public ValueTask<CacheUpdate<T>> ReadAsync(CancellationToken cancellationToken = default) => _updates.Reader.ReadAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The service layer as components see it, with feeds a test pushes into and operations that record
/// their calls and answer what the test decides (immediately, with a refusal, or only when released).
/// </summary>
public sealed class FakeDashboardClient(IReadOnlyList<DeploymentView> deployments, IReadOnlyList<PodView> pods,
    IReadOnlyList<ReplicaSetView>? replicaSets = null, IReadOnlyList<EventView>? events = null) : IDashboardClient
{
    public FakeFeed<DeploymentView> Deployments { get; } = new(deployments);
    public FakeFeed<PodView> Pods { get; } = new(pods);
    public FakeFeed<ReplicaSetView> ReplicaSets { get; } = new(replicaSets ?? []);
    public FakeFeed<EventView> Events { get; } = new(events ?? []);

    public IReadOnlyList<string> Contexts { get; set; } = ["embedded"];
    public string? Context { get; private set; } = "embedded";

    public void UseContext(string? context)
    {
        if (context is not null && !Contexts.Contains(context)) throw new ArgumentException($"There is no context \"{context}\".");
        Context = context ?? Contexts[0];
    }

    /// <summary>Every operation called, as "Verb ns/name args".</summary>
    public List<string> Calls { get; } = [];

    /// <summary>How operations answer; by default they succeed at once.</summary>
    public Func<string, Task<OperationResult>> Respond { get; set; } = call => Task.FromResult(new OperationResult(OperationOutcome.Succeeded, $"Done: {call}"));

    public OperationResult DiffResult { get; set; } = new(OperationOutcome.Succeeded, "Changes from the current template to the revision", null, "  spec:\n-     image: app:2\n+     image: app:1");

    public string ClusterDescription => $"Embedded · {Context}";

    public ClusterHealth Health { get; private set; } = ClusterHealth.Idle;

    public event Action<LiveChange>? Changed;

    public void SetHealth(ClusterHealth health)
    {
        Health = health;
        Changed?.Invoke(LiveChange.Health);
    }

    public Task<IViewFeed<TView>> WatchAsync<TView>(string? ns, CancellationToken cancellationToken = default) where TView : class => (object)this switch
    {
        _ when typeof(TView) == typeof(DeploymentView) => Subscribe((FakeFeed<TView>)(object)Deployments),
        _ when typeof(TView) == typeof(PodView) => Subscribe((FakeFeed<TView>)(object)Pods),
        _ when typeof(TView) == typeof(ReplicaSetView) => Subscribe((FakeFeed<TView>)(object)ReplicaSets),
        _ when typeof(TView) == typeof(EventView) => Subscribe((FakeFeed<TView>)(object)Events),
        _ => throw new NotSupportedException(typeof(TView).Name),
    };

    static Task<IViewFeed<T>> Subscribe<T>(FakeFeed<T> feed)
    {
        feed.Subscribed++;
        return Task.FromResult<IViewFeed<T>>(feed);
    }

    Task<OperationResult> Call(string call)
    {
        Calls.Add(call);
        return Respond(call);
    }

    /// <summary>Records each command as "Verb ns/name args" and answers as <see cref="Respond"/> decides (a diff with <see cref="DiffResult"/>, probes at once).</summary>
    public Task<OperationResult> ExecuteAsync(RolloutCommand command, CancellationToken cancellationToken = default) => command switch
    {
        SetImage c => Call($"SetImage {c.Namespace}/{c.Name} {c.Container ?? "-"}={c.Image} cause={c.ChangeCause ?? "-"}"),
        Pause c => Call($"Pause {c.Namespace}/{c.Name}"),
        Resume c => Call($"Resume {c.Namespace}/{c.Name}"),
        Restart c => Call($"Restart {c.Namespace}/{c.Name}"),
        Scale c => Call($"Scale {c.Namespace}/{c.Name} {c.Replicas}"),
        Rollback c => Call($"Rollback {c.Namespace}/{c.Name} {c.ToRevision}"),
        SetGuard c => Call($"SetGuard {c.Namespace}/{c.Name} {c.Mode} {c.MaxFailedRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)} {c.StuckSeconds}"),
        Diff => Task.FromResult(DiffResult),
        StartProbe c => StartProbe(c.Namespace, c.Name),
        StopProbe c => StopProbe(c.Namespace, c.Name),
        _ => throw new NotSupportedException(command.GetType().Name),
    };

    public Dictionary<string, List<RolloutTimeline>> Timelines { get; } = [];

    public IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment) => Timelines.GetValueOrDefault($"{ns}/{deployment}") ?? [];

    public void AddTimeline(RolloutTimeline timeline)
    {
        if (!Timelines.TryGetValue($"{timeline.Namespace}/{timeline.Deployment}", out var list)) Timelines[$"{timeline.Namespace}/{timeline.Deployment}"] = list = [];
        list.Insert(0, timeline);
        Changed?.Invoke(LiveChange.Timelines);
    }

    public Dictionary<string, ProbeSnapshot> ProbeSnapshots { get; } = [];

    public List<Dashboard.ClusterServices.Guard.GuardAction> GuardActions { get; } = [];

    public IReadOnlyList<Dashboard.ClusterServices.Guard.GuardAction> GuardActionsOf(string? ns = null, string? deployment = null) =>
        [.. GuardActions.Where(a => (ns is null || a.Namespace == ns) && (deployment is null || a.Deployment == deployment))];

    public IReadOnlyList<ProbeSnapshot> ProbesOf(string? ns = null, string? deployment = null) =>
        ns is null || deployment is null ? ProbeSnapshots.Values.ToList() : ProbeSnapshots.TryGetValue($"{ns}/{deployment}", out var probe) ? [probe] : [];

    public void SetProbe(ProbeSnapshot probe)
    {
        ProbeSnapshots[$"{probe.Namespace}/{probe.Deployment}"] = probe;
        Changed?.Invoke(LiveChange.Probes);
    }

    Task<OperationResult> StartProbe(string ns, string deployment)
    {
        Calls.Add($"StartProbe {ns}/{deployment}");
        var probe = new ProbeSnapshot(ns, deployment, "svc", "http://127.0.0.1:1/", 10, true, null, DateTimeOffset.UtcNow, 0, 0, [], [], []);
        SetProbe(probe);
        return Task.FromResult(new OperationResult(OperationOutcome.Succeeded, "Probing svc"));
    }

    Task<OperationResult> StopProbe(string ns, string deployment)
    {
        Calls.Add($"StopProbe {ns}/{deployment}");
        if (ProbeSnapshots.GetValueOrDefault($"{ns}/{deployment}") is { } probe) SetProbe(probe with { Running = false, StoppedReason = "stopped" });
        return Task.FromResult(new OperationResult(OperationOutcome.Succeeded, "Stopped"));
    }

    /// <summary>Why the person may not act, or null (the default: they may).</summary>
    public string? Forbidden { get; set; }
    public HashSet<string>? HiddenNamespaces { get; set; }

    public Task<string> WhoAsync() => Task.FromResult("tester");

    public Task<string?> WhyNotAsync(string verb, string ns, CancellationToken cancellationToken = default) => Task.FromResult(Forbidden);

    public Task<IReadOnlySet<string>> VisibleNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<string>>(namespaces.Where(ns => HiddenNamespaces?.Contains(ns) != true).ToHashSet());

    public SafetyReport Safety { get; set; } = new(OperationOutcome.Succeeded, "No known risks to a zero-downtime rollout.", []);

    public Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default) => Task.FromResult(Safety);


    public static DeploymentView Deployment(string ns, string name, int replicas = 3, int updated = 3, int available = 3, string image = "app:1", bool paused = false,
        string? progressReason = "NewReplicaSetAvailable", string uid = "", string revision = "2", int maxSurge = 1, int maxUnavailable = 0, params ContainerImage[] containers) => new()
    {
        Namespace = ns, Name = name, Uid = uid.Length > 0 ? uid : Guid.NewGuid().ToString(), ResourceVersion = "1", Generation = 2, ObservedGeneration = 2,
        Replicas = replicas, StatusReplicas = updated == replicas ? replicas : replicas + 1, UpdatedReplicas = updated, ReadyReplicas = available,
        AvailableReplicas = available, UnavailableReplicas = replicas - available, Paused = paused, Strategy = "RollingUpdate",
        MaxSurgeSpec = "25%", MaxUnavailableSpec = "25%", MaxSurge = maxSurge, MaxUnavailable = maxUnavailable, MinReadySeconds = 0, Revision = revision,
        ProgressDeadlineSeconds = 600,
        Containers = containers.Length > 0 ? [.. containers] : [new ContainerImage(name, image)],
        Selector = ImmutableDictionary<string, string>.Empty.Add("app", name),
        Conditions = progressReason is null ? [] : [new ConditionView("Progressing", progressReason == "ProgressDeadlineExceeded" ? "False" : "True", progressReason, null, null, null)],
        CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
    };

    /// <summary>The UID <see cref="ReplicaSet"/> gives the ReplicaSet of that name: a pod made with <c>replicaSet:</c> is owned by it.</summary>
    public static string ReplicaSetUid(string ns, string name) => $"uid-of-replicaset-{ns}-{name}";

    public static PodView Pod(string ns, string name, string app, string image, string status, bool ready = false, string? replicaSet = null, bool terminating = false) => new()
    {
        Namespace = ns, Name = name, Uid = Guid.NewGuid().ToString(), ResourceVersion = "1", Status = status, Ready = ready,
        ReadyText = ready ? "1/1" : "0/1", Restarts = 0, Images = [image], ReplicaSet = replicaSet,
        OwnerUid = replicaSet is null ? null : ReplicaSetUid(ns, replicaSet),
        Labels = ImmutableDictionary<string, string>.Empty.Add("app", app), CreatedAt = DateTimeOffset.UtcNow,
        DeletionTimestamp = terminating ? DateTimeOffset.UtcNow : null,
    };

    public static ReplicaSetView ReplicaSet(DeploymentView owner, string name, long revision, string image, int replicas, int ready = -1, string? changeCause = null) => new()
    {
        Namespace = owner.Namespace, Name = name, Uid = ReplicaSetUid(owner.Namespace, name), ResourceVersion = "1", OwnerUid = owner.Uid, OwnerName = owner.Name,
        Revision = revision, Replicas = replicas, StatusReplicas = replicas, ReadyReplicas = ready < 0 ? replicas : ready, AvailableReplicas = ready < 0 ? replicas : ready,
        Containers = [new ContainerImage(owner.Containers[0].Name, image)], ChangeCause = changeCause, CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-revision),
    };

    public static EventView Event(string ns, string kind, string involved, string reason, string message, int secondsAgo = 1, string type = "Normal") => new()
    {
        Namespace = ns, Name = $"{involved}.{reason}.{Guid.NewGuid():N}", ResourceVersion = "1", Type = type, Reason = reason, Message = message,
        InvolvedKind = kind, InvolvedName = involved, Count = 1, LastSeen = DateTimeOffset.UtcNow.AddSeconds(-secondsAgo),
    };
}
