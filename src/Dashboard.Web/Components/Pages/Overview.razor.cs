using Dashboard.ClusterServices.Model;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

public sealed partial class Overview
{
    public const string AllNamespaces = "*";

    readonly LiveCollection<DeploymentView> _deployments = new(static d => $"{d.Namespace}/{d.Name}");
    // Only stuck pods change what the overview shows (a rollout's state), so a circuit keeps only those, not every pod.
    readonly LiveCollection<PodView> _pods = new(static p => $"{p.Namespace}/{p.Name}", RolloutStatus.IsStuck);
    // To tell a rollout's new pods by their owner; a ReplicaSet scaled to nothing has no pods to tell.
    readonly LiveCollection<ReplicaSetView> _replicaSets = new(static rs => $"{rs.Namespace}/{rs.Name}", static rs => rs.Replicas > 0 || rs.StatusReplicas > 0);
    IReadOnlyList<string> _namespaces = [];
    string _namespace = AllNamespaces;
    string? _search;
    string? _error;
    bool _loaded;

    [Inject] public required IDashboardClient Client { get; init; }

    [SupplyParameterFromQuery(Name = "ns")] public string? NamespaceQuery { get; set; }

    /// <summary>Namespaces this person may list deployments in: the shared cache holds every namespace.</summary>
    NamespaceVisibility _visibility = null!;

    IReadOnlyList<DeploymentRow> Rows => DeploymentRow.Build(
        _deployments.Items.Where(d => _visibility.Allows(d.Namespace) && (_namespace == AllNamespaces || d.Namespace == _namespace)),
        _replicaSets.Items,
        _namespace == AllNamespaces ? _pods.Items : _pods.Items.Where(p => p.Namespace == _namespace),
        _search);

    [Inject] public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "context")] public string? ContextQuery { get; set; }

    /// <summary>The deployment page's address; it names the context when the kubeconfig has several.</summary>
    public static string DeploymentHref(DeploymentView d, IDashboardClient client) =>
        $"namespaces/{Uri.EscapeDataString(d.Namespace)}/deployments/{Uri.EscapeDataString(d.Name)}" +
        (client.Contexts.Count > 1 && client.Context is { } context ? $"?context={Uri.EscapeDataString(context)}" : "");

    /// <summary>Another cluster: a fresh page whose feeds all read it (and whose address says which).</summary>
    void OnContextChanged(string context) => Navigation.NavigateTo($"?context={Uri.EscapeDataString(context)}", forceLoad: true);

    protected override Task OnInitializedAsync()
    {
        _visibility = new NamespaceVisibility(Client);
        return LoadAsync(LoadPageAsync);
    }

    async Task LoadPageAsync()
    {
        if (!string.IsNullOrEmpty(NamespaceQuery)) _namespace = NamespaceQuery;
        try
        {
            if (ContextQuery is not null) Client.UseContext(ContextQuery);
            Follow(await Client.WatchAsync<DeploymentView>(null, Stopping), _deployments, RefreshNamespaces);
            Follow(await Client.WatchAsync<ReplicaSetView>(null, Stopping), _replicaSets);
            Follow(await Client.WatchAsync<PodView>(null, Stopping), _pods);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _error = $"The cluster could not be read: {e.Message}. The page will show data as soon as it answers; reload to retry.";
            return;
        }
        // Awaited the first time, so the first render (a prerender too) already has the rows this person may see.
        await CheckVisibilityAsync(DeploymentNamespaces());
        RefreshNamespaces();
        _loaded = true;
    }

    List<string> DeploymentNamespaces() => _deployments.Items.Select(d => d.Namespace).Distinct().Order(StringComparer.Ordinal).ToList();

    void RefreshNamespaces()
    {
        var all = DeploymentNamespaces();
        _namespaces = all.Where(_visibility.Allows).ToList();
        if (_visibility.HasUnchecked(all)) _ = CheckVisibilityAsync(all);
    }

    async Task CheckVisibilityAsync(IReadOnlyList<string> namespaces)
    {
        try
        {
            if (await _visibility.CheckAsync(namespaces, Stopping))
                await InvokeAsync(() =>
                {
                    _namespaces = DeploymentNamespaces().Where(_visibility.Allows).ToList();
                    StateHasChanged();
                });
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    Task OnNamespaceChanged(string value)
    {
        _namespace = value;
        return Task.CompletedTask;
    }
}
