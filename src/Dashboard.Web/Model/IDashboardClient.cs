using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using System.Security.Claims;
using Dashboard.Web.Cluster;
using Dashboard.Web.Security;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Web.Model;

/// <summary>
/// The one boundary components talk to: live feeds of views, the cluster's freshness, and the rollout
/// operations as the signed-in person. Components never see the Kubernetes API.
/// </summary>
public interface IDashboardClient
{
    /// <summary>The kubeconfig's contexts; the picker shows when there are several.</summary>
    IReadOnlyList<string> Contexts { get; }

    /// <summary>The context this browser session looks at (null in-cluster).</summary>
    string? Context { get; }

    /// <summary>Switches this session to another context; feeds opened afterwards read that cluster.</summary>
    void UseContext(string? context);

    /// <summary>Deployments in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default);

    /// <summary>Pods in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default);

    Task<IViewFeed<ReplicaSetView>> WatchReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default);

    Task<IViewFeed<EventView>> WatchEventsAsync(string? ns, CancellationToken cancellationToken = default);

    /// <summary>How fresh the live data is; <see cref="HealthChanged"/> fires (on any thread) when it changes.</summary>
    ClusterHealth Health { get; }

    event Action? HealthChanged;

    Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, CancellationToken cancellationToken = default);
    Task<OperationResult> PauseAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> ResumeAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> RestartAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken = default);
    Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default);

    /// <summary>The risks to a zero-downtime rollout of this Deployment, each with why and the YAML that fixes it.</summary>
    Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default);

    /// <summary>The last few rollouts of a Deployment recorded while the dashboard runs, newest first.</summary>
    IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment);

    /// <summary>Raised (on any thread) after a second in which any rollout was recorded.</summary>
    event Action? TimelinesChanged;

    /// <summary>The traffic probe of a Deployment, running or last run, if any.</summary>
    ProbeSnapshot? ProbeOf(string ns, string deployment);

    /// <summary>Every probe of this cluster (for the wall).</summary>
    IReadOnlyList<ProbeSnapshot> Probes { get; }

    /// <summary>Raised (on any thread) when a probe starts, stops or records a second.</summary>
    event Action? ProbesChanged;

    Task<ProbeStart> StartProbeAsync(string ns, string deployment, CancellationToken cancellationToken = default);
    Task<ProbeStart> StopProbeAsync(string ns, string deployment);

    /// <summary>The signed-in person ("dashboard-user" without sign-in).</summary>
    Task<string> WhoAsync();

    /// <summary>Null when the person may <paramref name="verb"/> deployments in <paramref name="ns"/>, else why not (from a SelfSubjectAccessReview, cached briefly).</summary>
    Task<string?> WhyNotAsync(string verb, string ns, string resource = "deployments", string group = "apps", CancellationToken cancellationToken = default);

    /// <summary>The namespaces among <paramref name="namespaces"/> that exist and whose deployments the person may list: the shared caches hold more than a person may see.</summary>
    Task<IReadOnlySet<string>> VisibleNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default);

    /// <summary>What rolling back to <paramref name="revision"/> would change, as a line diff of the pod template.</summary>
    Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default);
}

/// <summary>
/// One browser session's view of the service layer: the context it picked, and operations acting as
/// the person signed in. Scoped per circuit; the caches behind it are shared by everyone.
/// </summary>
public sealed class DashboardClient(ClusterContexts clusters, PersonClients people, AccessReviews access, AuthenticationStateProvider authentication) : IDashboardClient
{
    ClusterScope _scope = clusters.Get(null);

    ClusterCache Cache => _scope.Cache;

    async Task<Person?> PersonAsync()
    {
        ClaimsPrincipal user;
        try { user = (await authentication.GetAuthenticationStateAsync()).User; }
        catch (InvalidOperationException) { user = new ClaimsPrincipal(new ClaimsIdentity()); } // outside a circuit: nobody signed in
        var person = people.For(user, _scope.Context);
        // Without sign-in the session acts as the dashboard on whichever context it picked.
        return people.Mode == AuthMode.None ? person! with { Operations = _scope.Operations } : person;
    }

    static readonly OperationResult SignInFirst = new(OperationOutcome.Refused, "Sign in to change anything: actions run with your own Kubernetes identity.");

    async Task<OperationResult> ActAsync(Func<string, RolloutOperations, Task<OperationResult>> action)
    {
        var person = await PersonAsync();
        return person is null ? SignInFirst : await action(person.Name, person.Operations);
    }

    public async Task<string> WhoAsync() => (await PersonAsync())?.Name ?? "nobody";

    public async Task<string?> WhyNotAsync(string verb, string ns, string resource = "deployments", string group = "apps", CancellationToken cancellationToken = default)
    {
        var person = await PersonAsync();
        if (person is null) return SignInFirst.Message;
        return await AllowedAsync(person, verb, group, resource, ns, cancellationToken)
            ? null
            : $"{person.Name} may not {verb} {resource} in namespace {ns} (the cluster's RBAC decides; ask for a RoleBinding).";
    }

    Task<bool> AllowedAsync(Person person, string verb, string group, string resource, string ns, CancellationToken cancellationToken) =>
        access.AllowedAsync(person, _scope.Context, verb, group, resource, ns, cancellationToken);

    public async Task<IReadOnlySet<string>> VisibleNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default)
    {
        var visible = new HashSet<string>(StringComparer.Ordinal);
        var person = await PersonAsync();
        if (person is null) return visible;
        // A namespace that does not exist has nothing to see, and a page of it would open caches for nothing.
        var existing = await Task.WhenAll(namespaces.Distinct(StringComparer.Ordinal).Select(async ns => (ns, exists: await access.NamespaceExistsAsync(person, _scope.Context, ns, cancellationToken))));
        var all = existing.Where(e => e.exists).Select(e => e.ns).ToList();
        if (people.Mode == AuthMode.None) return all.ToHashSet(StringComparer.Ordinal);
        // One review answers for every namespace when the person may list cluster-wide; otherwise ask for each, together.
        if (await AllowedAsync(person, "list", "apps", "deployments", "", cancellationToken)) return all.ToHashSet(StringComparer.Ordinal);
        var answers = await Task.WhenAll(all.Select(async ns => (ns, allowed: await AllowedAsync(person, "list", "apps", "deployments", ns, cancellationToken))));
        foreach (var (ns, allowed) in answers)
            if (allowed) visible.Add(ns);
        return visible;
    }

    public IReadOnlyList<string> Contexts => clusters.Names;

    public string? Context => _scope.Context;

    public void UseContext(string? context)
    {
        if (context == _scope.Context) return;
        var next = clusters.Get(context);
        foreach (var handler in _healthHandlers)
        {
            _scope.Cache.HealthChanged -= handler;
            next.Cache.HealthChanged += handler;
        }
        _scope = next;
        foreach (var handler in _healthHandlers) handler();
    }

    public async Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeDeploymentsAsync(ns, cancellationToken);

    public async Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribePodsAsync(ns, cancellationToken);

    public async Task<IViewFeed<ReplicaSetView>> WatchReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeReplicaSetsAsync(ns, cancellationToken);

    public async Task<IViewFeed<EventView>> WatchEventsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeEventsAsync(ns, cancellationToken);

    public ClusterHealth Health => Cache.Health();

    readonly List<Action> _healthHandlers = [];

    public event Action? HealthChanged
    {
        add
        {
            if (value is null) return;
            _healthHandlers.Add(value);
            Cache.HealthChanged += value;
        }
        remove
        {
            if (value is null) return;
            _healthHandlers.Remove(value);
            Cache.HealthChanged -= value;
        }
    }

    public Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.SetImageAsync(ns, name, container, image, changeCause, actor, cancellationToken: cancellationToken));

    public Task<OperationResult> PauseAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.PauseAsync(ns, name, actor, cancellationToken));

    public Task<OperationResult> ResumeAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.ResumeAsync(ns, name, actor, cancellationToken));

    public Task<OperationResult> RestartAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.RestartAsync(ns, name, actor, cancellationToken));

    public Task<OperationResult> ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.ScaleAsync(ns, name, replicas, actor, cancellationToken));

    public Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default) =>
        ActAsync((actor, operations) => operations.RollbackAsync(ns, name, toRevision, actor, cancellationToken: cancellationToken));

    public Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default) =>
        ActAsync((_, operations) => operations.DiffAsync(ns, name, revision, cancellationToken));

    public IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment) => _scope.Timelines.For(ns, deployment);

    public event Action? TimelinesChanged
    {
        add => _scope.Timelines.Changed += value;
        remove => _scope.Timelines.Changed -= value;
    }

    public ProbeSnapshot? ProbeOf(string ns, string deployment) => _scope.Probes.Find(ns, deployment);

    public IReadOnlyList<ProbeSnapshot> Probes => _scope.Probes.All();

    public event Action? ProbesChanged
    {
        add => _scope.Probes.Changed += value;
        remove => _scope.Probes.Changed -= value;
    }

    // A probe sends traffic as the dashboard, not as the person: starting or stopping one takes the same
    // right as changing the Deployment, asked of the cluster for this person first.
    public async Task<ProbeStart> StartProbeAsync(string ns, string deployment, CancellationToken cancellationToken = default) =>
        await WhyNotAsync("patch", ns, cancellationToken: cancellationToken) is { } why
            ? new ProbeStart(OperationOutcome.Refused, why)
            : await _scope.Probes.StartAsync(ns, deployment, cancellationToken: cancellationToken);

    public async Task<ProbeStart> StopProbeAsync(string ns, string deployment) =>
        await WhyNotAsync("patch", ns) is { } why
            ? new ProbeStart(OperationOutcome.Refused, why)
            : await _scope.Probes.StopAsync(ns, deployment);

    public Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        _scope.Safety.CheckAsync(ns, name, cancellationToken);
}
