using Dashboard.Kubernetes;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Components.Controls;
using Dashboard.ClusterServices.Validation;
using Dashboard.Web.Components.Dialogs;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Pages;

public sealed partial class DeploymentPage
{
    static readonly DialogOptions Options = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true, BackdropClick = false };

    // The namespace's caches are shared; this page keeps copies of what may be its own Deployment's: its
    // ReplicaSets by owner, pods its selector picks, and their events. The keep filters only bound memory
    // (each keeps a superset, and keeps everything until the Deployment is known); which objects are the
    // Deployment's is decided by ownership when shown (DeploymentDetails through Membership).
    LiveCollection<DeploymentView> _deployments = null!;
    LiveCollection<ReplicaSetView> _replicaSets = null!;
    LiveCollection<PodView> _pods = null!;
    LiveCollection<EventView> _events = null!;

    void CreateCollections()
    {
        _deployments = new(static d => $"{d.Namespace}/{d.Name}", d => d.Name == Name);
        _replicaSets = new(static rs => $"{rs.Namespace}/{rs.Name}", rs => Current is not { } d || rs.OwnerUid == d.Uid);
        _pods = new(static p => $"{p.Namespace}/{p.Name}", p => Current is not { } d || Labels.Match(d.Selector, p.Labels));
        _events = new(static e => $"{e.Namespace}/{e.Name}", KeepsEvent);
    }

    bool KeepsEvent(EventView e) => e.InvolvedKind switch
    {
        "Deployment" => e.InvolvedName == Name,
        // Events of a pod may arrive before the pod: kept by its owner when known, else by the names its ReplicaSets generate.
        "ReplicaSet" => Current is null || _replicaSets.Contains($"{e.Namespace}/{e.InvolvedName}"),
        "Pod" => Current is null || _pods.Contains($"{e.Namespace}/{e.InvolvedName}")
            || Membership.IsGoneGeneratedPod(e.InvolvedName, _replicaSets.Items.Select(rs => rs.Name)),
        _ => false,
    };
    string? _invalid;
    string? _error;
    bool _loaded;
    bool _busy;
    OperationResult? _result;
    SafetyReport? _safety;
    ProbeSnapshot? _probe;
    IReadOnlyList<RolloutTimeline> _timelines = [];
    bool _probeBusy;
    /// <summary>Why this person may not change the Deployment, or null when they may.</summary>
    string? _forbidden;
    long _safetyGeneration = -1;

    [Parameter] public required string Namespace { get; set; }
    [Parameter] public required string Name { get; set; }

    [Inject] public required IDashboardClient Client { get; init; }
    [Inject] public required Dashboard.Web.Records.RecordsClient Records { get; init; }

    /// <summary>The workload's delivery measures over the last 30 days, or why there are none.</summary>
    Dashboard.Records.DeliveryInsights? _insights;
    string? _insightsProblem;

    [SupplyParameterFromQuery(Name = "context")] public string? ContextQuery { get; set; }
    [Inject] public required IDialogService Dialogs { get; init; }

    public const string PausedExplanation = "The rollout is paused: template changes are recorded but not rolled out. Roll back and Restart are unavailable until it is resumed (kubectl refuses to roll back a paused deployment, and a restart would only wait for the resume).";

    string? PausedReason => Current?.Paused == true ? PausedExplanation : null;

    DeploymentView? Current => _deployments.Items.FirstOrDefault(d => d.Name == Name);

    DeploymentDetails? Details => Current is { } d ? DeploymentDetails.Build(d, _replicaSets.Items, _pods.Items, _events.Items) : null;

    List<BreadcrumbItem> Breadcrumbs =>
    [
        new("Deployments", href: ContextQuery is null ? "" : $"?context={Uri.EscapeDataString(ContextQuery)}"),
        new(Namespace, href: $"?ns={Uri.EscapeDataString(Namespace)}" + (ContextQuery is null ? "" : $"&context={Uri.EscapeDataString(ContextQuery)}")),
        new(Name, href: null, disabled: true),
    ];

    protected override Task OnInitializedAsync() => LoadAsync(LoadPageAsync);

    async Task LoadPageAsync()
    {
        CreateCollections();
        // The route takes any text; names that cannot exist are refused here, before any call to the cluster.
        _invalid = InputValidation.LabelError(Namespace) is { } nsError ? $"\"{Namespace}\" is not a namespace name: {nsError}"
            : InputValidation.NameError(Name, "deployment name") is { } nameError ? $"\"{Name}\" is not a deployment name: {nameError}"
            : null;
        if (_invalid is not null) return;
        try
        {
            if (ContextQuery is not null) Client.UseContext(ContextQuery);
            // Asked before any cache opens: a namespace this person may not see (or nobody created) costs no watch.
            if (!(await Client.VisibleNamespacesAsync([Namespace], Stopping)).Contains(Namespace))
            {
                _invalid = $"You may not see deployments in namespace \"{Namespace}\", or it does not exist.";
                return;
            }
            _forbidden = await Client.WhyNotAsync("patch", Namespace, Stopping);
            // Namespace-scoped caches: shared by every viewer of this namespace, and small however large the cluster.
            Follow(await Client.WatchAsync<DeploymentView>(Namespace, Stopping), _deployments, RefreshWhenSpecChanges);
            Follow(await Client.WatchAsync<ReplicaSetView>(Namespace, Stopping), _replicaSets);
            Follow(await Client.WatchAsync<PodView>(Namespace, Stopping), _pods);
            Follow(await Client.WatchAsync<EventView>(Namespace, Stopping), _events);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _error = $"The cluster could not be read: {e.Message}";
            return;
        }
        _loaded = true;
        RefreshWhenSpecChanges();
        // A prerender that stopped waiting is disposed by now: subscribing would outlive it.
        if (Stopping.IsCancellationRequested) return;
        _probe = Probe();
        _timelines = Client.TimelinesOf(Namespace, Name);
        Client.Changed += OnLiveChanged;
        var insights = await Records.InsightsAsync(Namespace, Name, TimeSpan.FromDays(30), Stopping);
        (_insights, _insightsProblem) = (insights.Value, insights.Problem);
        await LoadStartedByAsync();
    }

    /// <summary>Who started each revision's rollout, for the history's "Changed by" (the person behind the dashboard's own writes).</summary>
    Dictionary<long, string> _startedBy = [];

    async Task LoadStartedByAsync()
    {
        var recorded = await Records.RolloutsAsync(new Dashboard.Records.RolloutQuery { Namespace = Namespace, Workload = Name, Take = 200 }, Stopping);
        if (recorded.Value is { } page)
            _startedBy = page.Items.GroupBy(r => r.Revision).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.StartedAt).First().StartedBy);
    }

    /// <summary>A new revision's record is written a moment after the change: read the records again then.</summary>
    async Task ReloadStartedByAsync()
    {
        try
        {
            foreach (var wait in new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5) })
            {
                await Task.Delay(wait, Stopping);
                await LoadStartedByAsync();
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    string RecordsOf(long? revision) => $"rollouts?namespace={Uri.EscapeDataString(Namespace)}&workload={Uri.EscapeDataString(Name)}" + (revision is { } r ? $"&revision={r}" : "");

    ProbeSnapshot? Probe() => Client.ProbesOf(Namespace, Name).FirstOrDefault();

    void OnLiveChanged(LiveChange change)
    {
        if ((change & (LiveChange.Timelines | LiveChange.Probes)) == 0) return;
        _ = InvokeAsync(() =>
        {
            if (change.HasFlag(LiveChange.Timelines)) _timelines = Client.TimelinesOf(Namespace, Name);
            if (change.HasFlag(LiveChange.Probes)) _probe = Probe();
        });
        RequestRender();
    }

    async Task StartProbeAsync()
    {
        _probeBusy = true;
        try
        {
            var start = await Client.ExecuteAsync(new StartProbe(Namespace, Name), Stopping);
            _probe = Probe();
            if (!start.Ok) _result = start;
        }
        finally
        {
            _probeBusy = false;
        }
    }

    async Task StopProbeAsync()
    {
        _probeBusy = true;
        try
        {
            await Client.ExecuteAsync(new StopProbe(Namespace, Name));
            _probe = Probe();
        }
        finally
        {
            _probeBusy = false;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Client.Changed -= OnLiveChanged;
        await base.DisposeAsync();
    }

    /// <summary>The safety check reads the spec; it is read again only when the spec changes (a new generation).</summary>
    void RefreshWhenSpecChanges()
    {
        // The safety check and the records of a new revision. The prerender's HTML does without them: the live page checks once, not twice per visit.
        if (Prerendering || Current is not { } d || d.Generation == _safetyGeneration) return;
        var first = _safetyGeneration < 0;
        _safetyGeneration = d.Generation;
        _ = RefreshSafetyAsync();
        if (!first) _ = ReloadStartedByAsync();
    }

    async Task RefreshSafetyAsync()
    {
        try
        {
            var report = await Client.CheckSafetyAsync(Namespace, Name, Stopping);
            await InvokeAsync(() =>
            {
                _safety = report;
                StateHasChanged();
            });
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    static Severity SeverityOf(OperationResult r) => r.Outcome switch
    {
        OperationOutcome.Succeeded => Severity.Success,
        OperationOutcome.Skipped => Severity.Info,
        _ => Severity.Error,
    };

    async Task ShowAsync<TDialog>(string title, DialogParameters<TDialog> parameters) where TDialog : ComponentBase
    {
        _busy = true;
        try
        {
            var dialog = await Dialogs.ShowAsync<TDialog>(title, parameters, Options);
            var outcome = await dialog.Result;
            if (outcome is { Canceled: false, Data: OperationResult result }) _result = result;
        }
        finally
        {
            _busy = false;
        }
    }

    Task OpenSetImageAsync() => Current is not { } d ? Task.CompletedTask : ShowAsync("Set image", new DialogParameters<SetImageDialog>
    {
        { x => x.Deployment, d },
        { x => x.Safety, _safety },
        { x => x.Run, (container, image, cause) => Client.ExecuteAsync(new SetImage(Namespace, Name, container, image, cause)) },
    });

    Task OpenPauseAsync() => Confirm("Pause rollout", "pause",
        $"Pauses the rollout of {Name}: changes to its pod template are recorded but not rolled out until it is resumed. Running pods stay as they are.",
        Color.Warning, () => Client.ExecuteAsync(new Pause(Namespace, Name)));

    Task OpenResumeAsync() => Confirm("Resume rollout", "resume",
        $"Resumes the rollout of {Name}: any template change made while it was paused rolls out now.",
        Color.Success, () => Client.ExecuteAsync(new Resume(Namespace, Name)));

    Task OpenRestartAsync() => Current is not { } d ? Task.CompletedTask : Confirm("Restart", "restart",
        $"Replaces every pod of {Name} with a new one running the same images, as kubectl rollout restart does ({DeploymentDetails.StrategyText(d)}).",
        Color.Primary, () => Client.ExecuteAsync(new Restart(Namespace, Name)), _safety);

    Task Confirm(string title, string kind, string message, Color color, Func<Task<OperationResult>> run, SafetyReport? safety = null) => ShowAsync(title, new DialogParameters<ConfirmDialog>
    {
        { x => x.Kind, kind },
        { x => x.Message, message },
        { x => x.ConfirmColor, color },
        { x => x.Run, run },
        { x => x.Warnings, safety is null ? null : builder =>
            {
                builder.OpenComponent<SafetyPanel>(0);
                builder.AddComponentParameter(1, nameof(SafetyPanel.Report), safety);
                builder.AddComponentParameter(2, nameof(SafetyPanel.Compact), true);
                builder.CloseComponent();
            }
        },
    });

    Task OpenScaleAsync() => Current is not { } d ? Task.CompletedTask : ShowAsync("Scale", new DialogParameters<ScaleDialog>
    {
        { x => x.Deployment, d },
        { x => x.Run, replicas => Client.ExecuteAsync(new Scale(Namespace, Name, replicas)) },
    });

    Task OpenRollbackAsync(HistoryRow row) => Current is not { } d ? Task.CompletedTask : ShowAsync($"Roll back to revision {row.Revision}", new DialogParameters<RollbackDialog>
    {
        { x => x.Deployment, d },
        { x => x.Revision, row },
        { x => x.LoadDiff, () => Client.ExecuteAsync(new Diff(Namespace, Name, row.Revision)) },
        { x => x.Run, () => Client.ExecuteAsync(new Rollback(Namespace, Name, row.Revision)) },
        { x => x.ChangedBy, row.Author(_startedBy.GetValueOrDefault(row.Revision)) },
    });
}
