using Dashboard.Kubernetes;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Validation;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The ops-room screen: read-only, legible across a room, never scrolls. It re-renders once a second
/// (clock, elapsed times, freshness) plus when the cluster changes, within the same render budget.
/// </summary>
public sealed partial class Wall
{
    /// <summary>Small-tile units per screen at 1920x1080: six columns by four rows.</summary>
    public const int Capacity = 24;

    readonly LiveCollection<DeploymentView> _deployments = new(static d => $"{d.Namespace}/{d.Name}");
    readonly LiveCollection<ReplicaSetView> _replicaSets = new(static rs => $"{rs.Namespace}/{rs.Name}");
    readonly LiveCollection<PodView> _pods = new(static p => $"{p.Namespace}/{p.Name}");
    IReadOnlyList<string> _namespaces = [];
    IReadOnlyList<WallTile> _builtTiles = [];
    bool _dirty = true;
    ClusterHealth _health = ClusterHealth.Idle;
    DateTimeOffset _now = DateTimeOffset.UtcNow;
    DateTimeOffset _pageShownAt = DateTimeOffset.UtcNow;
    int _page;
    string? _error;
    bool _loaded;
    ITimer? _tick;

    [Inject] public required IDashboardClient Client { get; init; }
    [Inject] public required TimeProvider Clock { get; init; }

    [SupplyParameterFromQuery(Name = "ns")] public string? NamespacesQuery { get; set; }
    [SupplyParameterFromQuery(Name = "rotate")] public int? RotateSeconds { get; set; }

    IReadOnlyList<IReadOnlyList<WallTile>> Pages => WallTile.Pages(_tiles, Capacity);

    /// <summary>Built at most once per render, however many updates arrived since the last one.</summary>
    IReadOnlyList<WallTile> _tiles
    {
        get
        {
            if (_dirty) _builtTiles = BuildTiles();
            _dirty = false;
            return _builtTiles;
        }
    }

    /// <summary>The shared caches hold every namespace; a tile shows only where the cluster lets this person list deployments.</summary>
    NamespaceVisibility _visibility = null!;

    protected override Task OnInitializedAsync()
    {
        _visibility = new NamespaceVisibility(Client);
        return LoadAsync(LoadPageAsync);
    }

    async Task LoadPageAsync()
    {
        _namespaces = (NamespacesQuery ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (_namespaces.FirstOrDefault(ns => InputValidation.LabelError(ns) is not null) is { } bad)
        {
            _error = $"\"{bad}\" is not a namespace name: {InputValidation.LabelError(bad)}";
            return;
        }
        _health = Client.Health;
        Client.Changed += OnOutsideChange;
        try
        {
            // One namespace: its own small caches; several or all: the shared all-namespace ones. A namespace of
            // its own is checked first: one this person may not see, or nobody created, opens no cache.
            var scope = _namespaces.Count == 1 ? _namespaces[0] : null;
            if (scope is not null)
            {
                await _visibility.CheckAsync([scope], Stopping);
                if (!_visibility.Allows(scope))
                {
                    _loaded = true;
                    return;
                }
            }
            Follow(await Client.WatchAsync<DeploymentView>(scope, Stopping), _deployments, OnDeploymentsChanged);
            Follow(await Client.WatchAsync<ReplicaSetView>(scope, Stopping), _replicaSets, Rebuild);
            Follow(await Client.WatchAsync<PodView>(scope, Stopping), _pods, Rebuild);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _error = $"The cluster could not be read: {e.Message}";
            return;
        }
        // Awaited the first time, so no render (the prerender included) ever shows a tile before the check.
        await _visibility.CheckAsync(DeploymentNamespaces(), Stopping);
        _loaded = true;
        Rebuild();
        if (!Prerendering && !Stopping.IsCancellationRequested) _tick = Clock.CreateTimer(_ => OnTick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    void OnOutsideChange(LiveChange change) => _ = InvokeAsync(() =>
    {
        _health = Client.Health;
        Rebuild();
        RequestRender();
    });

    void OnTick() => _ = InvokeAsync(() =>
    {
        _now = Clock.GetUtcNow();
        _health = Client.Health;
        var rotate = RotateSeconds is > 0 ? RotateSeconds.Value : 30;
        if (Pages.Count > 1 && _now - _pageShownAt >= TimeSpan.FromSeconds(rotate))
        {
            _page++;
            _pageShownAt = _now;
        }
        Rebuild();
        RequestRender();
    });

    void Rebuild() => _dirty = true;

    List<string> DeploymentNamespaces() => _deployments.Items.Select(d => d.Namespace).Distinct(StringComparer.Ordinal).ToList();

    void OnDeploymentsChanged()
    {
        Rebuild();
        var namespaces = DeploymentNamespaces();
        if (_loaded && _visibility.HasUnchecked(namespaces)) _ = CheckVisibilityAsync(namespaces);
    }

    async Task CheckVisibilityAsync(IReadOnlyList<string> namespaces)
    {
        try
        {
            if (await _visibility.CheckAsync(namespaces, Stopping))
                await InvokeAsync(() =>
                {
                    Rebuild();
                    RequestRender();
                });
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    IReadOnlyList<WallTile> BuildTiles()
    {
        var wanted = _namespaces.Count == 0 ? null : _namespaces.ToHashSet(StringComparer.Ordinal);
        var deployments = _deployments.Items.Where(d => _visibility.Allows(d.Namespace) && (wanted is null || wanted.Contains(d.Namespace))).ToList();
        var setsByNamespace = _replicaSets.Items.ToLookup(rs => rs.Namespace);
        var podsByNamespace = _pods.Items.ToLookup(p => p.Namespace);
        var probes = Client.ProbesOf().ToDictionary(p => $"{p.Namespace}/{p.Deployment}", StringComparer.Ordinal);
        return WallTile.Order(deployments.Select(d =>
        {
            var details = DeploymentDetails.Build(d, setsByNamespace[d.Namespace], podsByNamespace[d.Namespace], []);
            var timeline = Client.TimelinesOf(d.Namespace, d.Name).FirstOrDefault();
            return new WallTile(details, timeline, probes.GetValueOrDefault($"{d.Namespace}/{d.Name}"), _now);
        }));
    }

    string Ago(DateTimeOffset? at) => at is null ? "–" : Duration(_now - at.Value) + " ago";

    int FreshnessSeconds(ClusterHealth health) => health.LastEventAt is { } at ? (int)Math.Max(0, (_now - at).TotalSeconds) : -1;

    static string Duration(TimeSpan span) => span.TotalSeconds < 60
        ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min {span.Seconds:00} s" : $"{(int)span.TotalHours} h {span.Minutes:00} min";

    static string Tag(string image) => ImageReference.Parse(image)?.ShortVersion ?? image;

    public override async ValueTask DisposeAsync()
    {
        _tick?.Dispose();
        Client.Changed -= OnOutsideChange;
        await base.DisposeAsync();
    }
}
