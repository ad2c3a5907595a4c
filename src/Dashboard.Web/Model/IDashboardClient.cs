using System.Security.Claims;
using Dashboard.ClusterServices;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Cluster;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Web.Model;

/// <summary>What changed in the live state beside the feeds (flags: one notification may carry several).</summary>
[Flags]
public enum LiveChange
{
    None = 0,
    /// <summary>The cluster's freshness (<see cref="IDashboardClient.Health"/>).</summary>
    Health = 1,
    /// <summary>A second of some rollout was recorded (<see cref="IDashboardClient.TimelinesOf"/>).</summary>
    Timelines = 2,
    /// <summary>A probe started, stopped or recorded a second (<see cref="IDashboardClient.ProbesOf"/>).</summary>
    Probes = 4,
    /// <summary>The session moved to another context: everything may differ.</summary>
    Context = Health | Timelines | Probes,
}

/// <summary>
/// The one boundary components talk to, as live feeds plus commands: feeds of views and the live state
/// of the session's cluster (which follow <see cref="UseContext"/>), questions answered as the person,
/// and one way to execute a rollout command as them. Components never see the Kubernetes API.
/// </summary>
public interface IDashboardClient
{
    /// <summary>The kubeconfig's contexts; the picker shows when there are several.</summary>
    IReadOnlyList<string> Contexts { get; }

    /// <summary>The context this browser session looks at (null in-cluster).</summary>
    string? Context { get; }

    /// <summary>How the dashboard reaches the session's cluster and where it is, for the app bar.</summary>
    string ClusterDescription { get; }

    /// <summary>Switches this session to another context: feeds opened afterwards, and the live state, read that cluster.</summary>
    void UseContext(string? context);

    /// <summary>
    /// A feed of <see cref="DeploymentView"/>, <see cref="ReplicaSetView"/>, <see cref="PodView"/> or
    /// <see cref="EventView"/> in a namespace (all namespaces when null), from the shared caches. The caller disposes it.
    /// </summary>
    Task<IViewFeed<TView>> WatchAsync<TView>(string? ns, CancellationToken cancellationToken = default) where TView : class;

    /// <summary>How fresh the live data is.</summary>
    ClusterHealth Health { get; }

    /// <summary>The last few rollouts of a Deployment recorded while the dashboard runs, newest first.</summary>
    IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment);

    /// <summary>The traffic probe of a Deployment, running or last run, if any; every probe of the cluster when <paramref name="deployment"/> is null (the wall).</summary>
    IReadOnlyList<ProbeSnapshot> ProbesOf(string? ns = null, string? deployment = null);

    /// <summary>What the rollout guard did, newest first: on one Deployment, or on every one when <paramref name="deployment"/> is null.</summary>
    IReadOnlyList<Dashboard.ClusterServices.Guard.GuardAction> GuardActionsOf(string? ns = null, string? deployment = null);

    /// <summary>Raised (on any thread) when the live state changes; always for the session's current context.</summary>
    event Action<LiveChange>? Changed;

    /// <summary>The signed-in person ("dashboard-user" without sign-in, "nobody" when sign-in is required and missing).</summary>
    Task<string> WhoAsync();

    /// <summary>Null when the person may <paramref name="verb"/> deployments in <paramref name="ns"/>, else why not (a SelfSubjectAccessReview, cached briefly).</summary>
    Task<string?> WhyNotAsync(string verb, string ns, CancellationToken cancellationToken = default);

    /// <summary>The namespaces among <paramref name="namespaces"/> that exist and whose deployments the person may list: the shared caches hold more than a person may see.</summary>
    Task<IReadOnlySet<string>> VisibleNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default);

    /// <summary>The risks to a zero-downtime rollout of this Deployment, each with why and the YAML that fixes it.</summary>
    Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default);

    /// <summary>Executes <paramref name="command"/> as the signed-in person; the outcome says what happened in a sentence.</summary>
    Task<OperationResult> ExecuteAsync(RolloutCommand command, CancellationToken cancellationToken = default);
}

/// <summary>
/// One browser session's view of the service layer: the context it picked, and commands acting as the
/// person signed in. Scoped per circuit (disposed with it); the caches behind it are shared by everyone.
/// </summary>
public sealed class DashboardClient(ClusterContexts clusters, PersonClients people, AccessReviews access, AuthenticationStateProvider authentication, Records.AuditTrail audit,
    Cluster.RolloutGuardHost guard) : IDashboardClient, IDisposable
{
    ClusterScope _scope = clusters.Get(null);
    readonly Lock _gate = new();
    Action<LiveChange>? _changed;

    async Task<ActingPerson?> PersonAsync()
    {
        ClaimsPrincipal user;
        try { user = (await authentication.GetAuthenticationStateAsync()).User; }
        catch (InvalidOperationException) { user = new ClaimsPrincipal(new ClaimsIdentity()); } // outside a circuit: nobody signed in
        return people.For(user, _scope.Context);
    }

    static readonly OperationResult SignInFirst = new(OperationOutcome.Refused, "Sign in to change anything: actions run with your own Kubernetes identity.");

    public IReadOnlyList<string> Contexts => clusters.Names;

    // The default scope is made before the connection knows its context: it stands for whichever that is.
    public string? Context => _scope.Context ?? clusters.Default;

    public string ClusterDescription => clusters.Describe(_scope.Context);

    public void UseContext(string? context)
    {
        var next = clusters.Get(context);
        lock (_gate)
        {
            if (ReferenceEquals(next, _scope)) return;
            if (_changed is not null) Unbind(_scope);
            _scope = next;
            if (_changed is not null) Bind(_scope);
        }
        _changed?.Invoke(LiveChange.Context);
    }

    public async Task<IViewFeed<TView>> WatchAsync<TView>(string? ns, CancellationToken cancellationToken = default) where TView : class
    {
        var cache = _scope.Cache;
        return typeof(TView) switch
        {
            var t when t == typeof(DeploymentView) => (IViewFeed<TView>)(object)await cache.SubscribeDeploymentsAsync(ns, cancellationToken),
            var t when t == typeof(PodView) => (IViewFeed<TView>)(object)await cache.SubscribePodsAsync(ns, cancellationToken),
            var t when t == typeof(ReplicaSetView) => (IViewFeed<TView>)(object)await cache.SubscribeReplicaSetsAsync(ns, cancellationToken),
            var t when t == typeof(EventView) => (IViewFeed<TView>)(object)await cache.SubscribeEventsAsync(ns, cancellationToken),
            _ => throw new NotSupportedException($"There is no feed of {typeof(TView).Name}."),
        };
    }

    public ClusterHealth Health => _scope.Cache.Health();

    public IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment) => _scope.Timelines.For(ns, deployment);

    // The guard runs on the cluster the dashboard runs on; another context has none.
    public IReadOnlyList<Dashboard.ClusterServices.Guard.GuardAction> GuardActionsOf(string? ns = null, string? deployment = null) =>
        _scope.Context is not null && _scope.Context != clusters.Default || guard.Guard is not { } g ? []
        : [.. g.Actions().Where(a => (ns is null || a.Namespace == ns) && (deployment is null || a.Deployment == deployment))];

    public IReadOnlyList<ProbeSnapshot> ProbesOf(string? ns = null, string? deployment = null) =>
        ns is null || deployment is null ? _scope.Probes.All() : _scope.Probes.Find(ns, deployment) is { } probe ? [probe] : [];

    // Bound to the scope only while someone listens, and moved with the session's context, so a handler
    // always hears the cluster the session looks at and nothing keeps a closed circuit alive.
    public event Action<LiveChange>? Changed
    {
        add
        {
            lock (_gate)
            {
                if (_changed is null) Bind(_scope);
                _changed += value;
            }
        }
        remove
        {
            lock (_gate)
            {
                _changed -= value;
                if (_changed is null) Unbind(_scope);
            }
        }
    }

    void OnHealth() => _changed?.Invoke(LiveChange.Health);
    void OnTimelines() => _changed?.Invoke(LiveChange.Timelines);
    void OnProbes() => _changed?.Invoke(LiveChange.Probes);

    void Bind(ClusterScope scope)
    {
        scope.Cache.HealthChanged += OnHealth;
        scope.Timelines.Changed += OnTimelines;
        scope.Probes.Changed += OnProbes;
    }

    void Unbind(ClusterScope scope)
    {
        scope.Cache.HealthChanged -= OnHealth;
        scope.Timelines.Changed -= OnTimelines;
        scope.Probes.Changed -= OnProbes;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_changed is not null) Unbind(_scope);
            _changed = null;
        }
    }

    public async Task<string> WhoAsync() => (await PersonAsync())?.Name ?? "nobody";

    public async Task<string?> WhyNotAsync(string verb, string ns, CancellationToken cancellationToken = default) =>
        await PersonAsync() is not { } person ? SignInFirst.Message : await WhyNotAsync(person, verb, ns, cancellationToken);

    async Task<string?> WhyNotAsync(ActingPerson person, string verb, string ns, CancellationToken cancellationToken) =>
        await access.AllowedAsync(person, verb, "apps", "deployments", ns, cancellationToken)
            ? null
            : $"{person.Name} may not {verb} deployments in namespace {ns} (the cluster's RBAC decides; ask for a RoleBinding).";

    public async Task<IReadOnlySet<string>> VisibleNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default) =>
        await PersonAsync() is { } person ? await access.VisibleNamespacesAsync(person, namespaces, cancellationToken) : new HashSet<string>();

    public Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        _scope.Safety.CheckAsync(ns, name, cancellationToken);

    public async Task<OperationResult> ExecuteAsync(RolloutCommand command, CancellationToken cancellationToken = default)
    {
        if (await PersonAsync() is not { } person) return SignInFirst;
        // Reads are not actions; everything else is in the audit trail, intent first.
        if (command.Verb == "get") return await RunAsync(person, command, cancellationToken);
        var entry = await audit.BeginAsync(person.Name, Context, command, cancellationToken);
        OperationResult result;
        try
        {
            result = await RunAsync(person, command, cancellationToken);
        }
        catch (Exception e)
        {
            await audit.CompleteAsync(entry, new OperationResult(OperationOutcome.Unavailable, $"The operation did not complete: {e.Message}"));
            throw;
        }
        await audit.CompleteAsync(entry, result);
        return result;
    }

    async Task<OperationResult> RunAsync(ActingPerson person, RolloutCommand command, CancellationToken cancellationToken)
    {
        var operations = person.Operations;
        var (ns, name, actor) = (command.Namespace, command.Name, person.Name);
        switch (command)
        {
            case SetImage c: return await operations.SetImageAsync(ns, name, c.Container, c.Image, c.ChangeCause, actor, cancellationToken: cancellationToken);
            case Pause: return await operations.PauseAsync(ns, name, actor, cancellationToken);
            case Resume: return await operations.ResumeAsync(ns, name, actor, cancellationToken);
            case Restart: return await operations.RestartAsync(ns, name, actor, cancellationToken);
            case Scale c: return await operations.ScaleAsync(ns, name, c.Replicas, actor, cancellationToken);
            case Rollback c: return await operations.RollbackAsync(ns, name, c.ToRevision, actor, cancellationToken: cancellationToken);
            case Diff c: return await operations.DiffAsync(ns, name, c.Revision, cancellationToken);
            case SetGuard c: return await operations.SetGuardAsync(ns, name, c.Mode, c.MaxFailedRatio, c.StuckSeconds, actor, cancellationToken);
            // A probe sends traffic as the dashboard, not as the person: it takes the right to change the
            // Deployment, asked of the cluster for this person first.
            case StartProbe or StopProbe when await WhyNotAsync(person, command.Verb, ns, cancellationToken) is { } why:
                return new OperationResult(OperationOutcome.Refused, why);
            case StartProbe: return (await _scope.Probes.StartAsync(ns, name, cancellationToken: cancellationToken)).AsResult();
            case StopProbe: return (await _scope.Probes.StopAsync(ns, name)).AsResult();
            default: throw new NotSupportedException($"{command.GetType().Name} is not a rollout command this dashboard knows.");
        }
    }
}
