using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

public sealed partial class Overview
{
    public const string AllNamespaces = "*";

    /// <summary>At most this many renders a second per feed, however fast the cluster changes.</summary>
    static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(250);

    readonly Dictionary<string, DeploymentView> _deployments = new(StringComparer.Ordinal);
    readonly Dictionary<string, PodView> _pods = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stop = new();
    IViewFeed<DeploymentView>? _deploymentFeed;
    IViewFeed<PodView>? _podFeed;
    Task? _deploymentLoop;
    Task? _podLoop;
    IReadOnlyList<string> _namespaces = [];
    string _namespace = AllNamespaces;
    string? _search;
    string? _error;
    bool _loaded;

    [Inject] public required IDashboardClient Client { get; init; }

    [SupplyParameterFromQuery(Name = "ns")] public string? NamespaceQuery { get; set; }

    IReadOnlyList<DeploymentRow> Rows => DeploymentRow.Build(
        _deployments.Values.Where(d => _namespace == AllNamespaces || d.Namespace == _namespace),
        _namespace == AllNamespaces ? _pods.Values : _pods.Values.Where(p => p.Namespace == _namespace),
        _search);

    static string DeploymentHref(DeploymentView d) => $"namespaces/{Uri.EscapeDataString(d.Namespace)}/deployments/{Uri.EscapeDataString(d.Name)}";

    protected override async Task OnInitializedAsync()
    {
        if (!string.IsNullOrEmpty(NamespaceQuery)) _namespace = NamespaceQuery;
        try
        {
            _deploymentFeed = await Client.WatchDeploymentsAsync(null, _stop.Token);
            _podFeed = await Client.WatchPodsAsync(null, _stop.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _error = $"The cluster could not be read: {e.Message}. The page will show data as soon as it answers; reload to retry.";
            return;
        }
        Apply(_deployments, _deploymentFeed.Snapshot, static d => $"{d.Namespace}/{d.Name}");
        Apply(_pods, _podFeed.Snapshot, static p => $"{p.Namespace}/{p.Name}");
        RefreshNamespaces();
        _loaded = true;
        _deploymentLoop = FollowAsync(_deploymentFeed, _deployments, static d => $"{d.Namespace}/{d.Name}", RefreshNamespaces);
        _podLoop = FollowAsync(_podFeed, _pods, static p => $"{p.Namespace}/{p.Name}", null);
    }

    static void Apply<T>(Dictionary<string, T> target, IEnumerable<T> items, Func<T, string> key)
    {
        target.Clear();
        foreach (var item in items) target[key(item)] = item;
    }

    async Task FollowAsync<T>(IViewFeed<T> feed, Dictionary<string, T> state, Func<T, string> key, Action? after)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(_stop.Token);
                await InvokeAsync(() =>
                {
                    if (update.Reset is { } all) Apply(state, all, key);
                    foreach (var change in update.Changes)
                        if (change.Kind == ChangeKind.Delete) state.Remove(change.Key);
                        else state[change.Key] = change.View;
                    after?.Invoke();
                    StateHasChanged();
                });
                await Task.Delay(RenderInterval, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    void RefreshNamespaces() => _namespaces = _deployments.Values.Select(d => d.Namespace).Distinct().Order(StringComparer.Ordinal).ToList();

    Task OnNamespaceChanged(string value)
    {
        _namespace = value;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var loop in new[] { _deploymentLoop, _podLoop })
            if (loop is not null) await loop;
        if (_deploymentFeed is not null) await _deploymentFeed.DisposeAsync();
        if (_podFeed is not null) await _podFeed.DisposeAsync();
        _stop.Dispose();
    }
}
