using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Resilience;
using Dashboard.ClusterServices.Validation;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Operations;

/// <summary>
/// The operator's actions, each as kubectl does it and each stating what it read: a patch carries the
/// resourceVersion it was computed from (or a JSON-patch test of it), a conflict re-reads and
/// re-plans at most three times, and every change is recorded as an Event on the Deployment and a
/// structured log entry naming who did what, from what to what.
/// </summary>
public sealed class RolloutOperations(IKubernetesClientProvider clients, KubernetesResilience resilience, ILogger<RolloutOperations> logger, TimeProvider? clock = null)
{
    public const string FieldManager = "rollout-dashboard";
    const int MaxAttempts = 3;
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    IKubernetes Client => clients.Read;

    /// <summary>What one attempt decided: a patch to send, or an answer without one.</summary>
    sealed record Plan(V1Patch? Patch, OperationResult? Answer, string Reason = "", string Audit = "");

    static Plan Answer(OperationOutcome outcome, string message) => new(null, new OperationResult(outcome, message));

    public Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, string actor, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        if (InputValidation.ImageError(image) is { } imageError) return Invalid(imageError);
        if (InputValidation.ChangeCauseError(changeCause) is { } causeError) return Invalid(causeError);
        return MutateAsync(ns, name, actor, dryRun, d => Task.FromResult(SetImagePlan(d)), cancellationToken);

        Plan SetImagePlan(V1Deployment d)
        {
            var containers = d.Spec.Template.Spec.Containers;
            var target = container is null
                ? containers.Count == 1 ? containers[0] : null
                : containers.FirstOrDefault(c => c.Name == container);
            if (target is null)
                return Answer(OperationOutcome.Invalid, container is null
                    ? $"{name} has {containers.Count} containers ({string.Join(", ", containers.Select(c => c.Name))}); choose one."
                    : $"{name} has no container \"{container}\"; it has {string.Join(", ", containers.Select(c => c.Name))}.");
            if (target.Image == image && string.IsNullOrEmpty(changeCause))
                return Answer(OperationOutcome.Skipped, $"{target.Name} already runs {image}; nothing to change.");
            var index = containers.IndexOf(target);
            var ops = new List<JsonObject>
            {
                Test($"/spec/template/spec/containers/{index}/name", target.Name),
                Test($"/spec/template/spec/containers/{index}/image", target.Image),
                Op("replace", $"/spec/template/spec/containers/{index}/image", image),
            };
            if (!string.IsNullOrWhiteSpace(changeCause)) ops.Add(SetAnnotation(d.Metadata.Annotations, "/metadata/annotations", WellKnown.ChangeCauseAnnotation, changeCause));
            return new Plan(Guarded(d, ops), null, "ImageChanged",
                $"{actor} set image {target.Name}={image} (was {target.Image}){(string.IsNullOrWhiteSpace(changeCause) ? "" : $": {changeCause}")}");
        }
    }

    public Task<OperationResult> PauseAsync(string ns, string name, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(ns, name, actor, false, d => Task.FromResult(d.Spec.Paused == true
            ? Answer(OperationOutcome.Skipped, $"{name} is already paused.")
            : new Plan(Guarded(d, [Op("add", "/spec/paused", true)]), null, "Paused", $"{actor} paused the rollout of {name}")), cancellationToken);

    public Task<OperationResult> ResumeAsync(string ns, string name, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(ns, name, actor, false, d => Task.FromResult(d.Spec.Paused != true
            ? Answer(OperationOutcome.Skipped, $"{name} is not paused.")
            : new Plan(Guarded(d, [Op("remove", "/spec/paused")]), null, "Resumed", $"{actor} resumed the rollout of {name}")), cancellationToken);

    /// <summary>
    /// Sets the rollout guard's annotations (<c>rollout-dashboard.io/guard</c> and its tunables), or removes
    /// them for <see cref="Guard.GuardMode.Off"/>: the Deployment carries its guard, so GitOps can own it.
    /// </summary>
    public Task<OperationResult> SetGuardAsync(string ns, string name, Guard.GuardMode mode, double maxFailedRatio, int stuckSeconds, string actor, CancellationToken cancellationToken = default)
    {
        if (maxFailedRatio is < 0 or > 1 || double.IsNaN(maxFailedRatio)) return Invalid($"The failed-request share must be between 0 and 1 (0.01 is 1%); {maxFailedRatio} is not.");
        if (stuckSeconds is < 1 or > 86_400) return Invalid($"Stuck seconds must be from 1 to 86400; {stuckSeconds} is not.");
        return MutateAsync(ns, name, actor, false, d =>
        {
            var existing = d.Metadata.Annotations;
            var keys = new[] { WellKnown.GuardAnnotation, WellKnown.GuardMaxFailedRatioAnnotation, WellKnown.GuardStuckSecondsAnnotation };
            var ops = new List<JsonObject>();
            if (mode == Guard.GuardMode.Off)
            {
                foreach (var key in keys.Where(k => existing?.ContainsKey(k) == true))
                    ops.Add(new JsonObject { ["op"] = "remove", ["path"] = $"/metadata/annotations/{key.Replace("~", "~0").Replace("/", "~1")}" });
                return Task.FromResult(ops.Count == 0
                    ? Answer(OperationOutcome.Skipped, $"{name} has no guard.")
                    : new Plan(Guarded(d, ops), null, "GuardChanged", $"{actor} switched the rollout guard of {name} off"));
            }
            var values = new[] { mode == Guard.GuardMode.Pause ? "pause" : "rollback", maxFailedRatio.ToString("0.####", CultureInfo.InvariantCulture), stuckSeconds.ToString(CultureInfo.InvariantCulture) };
            if (existing is null) ops.Add(Op("add", "/metadata/annotations", new JsonObject(keys.Zip(values, (k, v) => KeyValuePair.Create(k, (JsonNode?)v)))));
            else ops.AddRange(keys.Zip(values, (k, v) => SetAnnotation(existing, "/metadata/annotations", k, v)));
            return Task.FromResult(new Plan(Guarded(d, ops), null, "GuardChanged",
                $"{actor} set the rollout guard of {name} to {values[0]} (more than {maxFailedRatio.ToString("0.##%", CultureInfo.InvariantCulture)} of requests failing, or new pods stuck {stuckSeconds} s)"));
        }, cancellationToken);
    }

    /// <summary>
    /// Marks the Deployment as acted on by the guard up to <paramref name="revision"/>, with an Event
    /// saying what it did and why (the sentence people read on the pages).
    /// </summary>
    public Task<OperationResult> MarkGuardActedAsync(string ns, string name, long revision, string sentence, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(ns, name, actor, false, d => Task.FromResult(new Plan(Guarded(d,
            [.. SetAnnotations(d.Metadata.Annotations, "/metadata/annotations",
                (WellKnown.GuardActedAnnotation, revision.ToString(CultureInfo.InvariantCulture)), (WellKnown.GuardActedReasonAnnotation, sentence))]),
            null, "GuardActed", sentence)), cancellationToken);

    public Task<OperationResult> RestartAsync(string ns, string name, string actor, CancellationToken cancellationToken = default) =>
        MutateAsync(ns, name, actor, false, d => Task.FromResult(RestartPlan(d, actor)), cancellationToken);

    Plan RestartPlan(V1Deployment d, string actor)
    {
        var name = d.Metadata.Name;
        if (d.Spec.Paused == true)
            return Answer(OperationOutcome.Refused, $"{name} is paused: a restart would not roll out until it is resumed. Resume it first.");
        var now = _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var ops = new List<JsonObject>();
        if (d.Spec.Template.Metadata is null) ops.Add(Op("add", "/spec/template/metadata", new JsonObject()));
        ops.Add(SetAnnotation(d.Spec.Template.Metadata?.Annotations, "/spec/template/metadata/annotations", "kubectl.kubernetes.io/restartedAt", now));
        return new Plan(Guarded(d, ops), null, "Restarted", $"{actor} restarted every pod of {name}");
    }

    public Task<OperationResult> ScaleAsync(string ns, string name, int replicas, string actor, CancellationToken cancellationToken = default)
    {
        if (replicas is < 0 or > 10_000) return Invalid($"Replicas must be between 0 and 10000; {replicas} is not.");
        return MutateAsync(ns, name, actor, false, d => Task.FromResult(d.Spec.Replicas == replicas
            ? Answer(OperationOutcome.Skipped, $"{name} already has {replicas} replicas.")
            : new Plan(Guarded(d, [Op("replace", "/spec/replicas", replicas)]), null, "Scaled", $"{actor} scaled {name} from {d.Spec.Replicas} to {replicas} replicas")), cancellationToken);
    }

    /// <summary>
    /// kubectl rollout undo: the chosen revision's template (without pod-template-hash) and annotations
    /// go back onto the Deployment in one JSON patch; refused while paused; skipped when already current.
    /// <paramref name="toRevision"/> 0 means the previous revision.
    /// </summary>
    public Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, string actor, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        if (toRevision < 0) return Invalid($"Revision {toRevision} does not exist: revisions are positive numbers.");
        return MutateAsync(ns, name, actor, dryRun, async d =>
        {
            var sets = await OwnedReplicaSetsAsync(d, cancellationToken);
            var target = toRevision > 0
                ? sets.FirstOrDefault(rs => DeploymentMath.Revision(rs) == toRevision)
                : sets.OrderByDescending(DeploymentMath.Revision).Skip(1).FirstOrDefault();
            if (target is null)
                return Answer(OperationOutcome.Invalid, toRevision > 0
                    ? $"Revision {toRevision} is not in the history of {name} (it has {string.Join(", ", sets.Select(DeploymentMath.Revision).Order())})."
                    : $"{name} has no previous revision to roll back to.");
            if (d.Spec.Paused == true)
                return Answer(OperationOutcome.Refused, $"{name} is paused: resume it before rolling back (as kubectl refuses to roll back a paused deployment).");
            var revision = DeploymentMath.Revision(target);
            if (DeploymentMath.EqualIgnoreHash(d.Spec.Template, target.Spec.Template))
                return Answer(OperationOutcome.Skipped, $"Skipped rollback: the current template already matches revision {revision}.");
            var template = ModelJsonNode(target.Spec.Template);
            (template["metadata"]?["labels"] as JsonObject)?.Remove(WellKnown.PodTemplateHashLabel);
            var annotations = new JsonObject();
            foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
                if (DeploymentMath.AnnotationsToSkip.Contains(k)) annotations[k] = v;
            foreach (var (k, v) in target.Metadata.Annotations ?? new Dictionary<string, string>())
                if (!DeploymentMath.AnnotationsToSkip.Contains(k)) annotations[k] = v;
            return new Plan(Guarded(d, [Op("replace", "/spec/template", template), Op("replace", "/metadata/annotations", annotations)]), null, "RolledBack",
                $"{actor} rolled {name} back to revision {revision} ({string.Join(", ", target.Spec.Template.Spec.Containers.Select(c => c.Image))})");
        }, cancellationToken);
    }

    public async Task<HistoryResult> HistoryAsync(string ns, string name, CancellationToken cancellationToken = default)
    {
        if ((InputValidation.LabelError(ns) ?? InputValidation.NameError(name, "deployment name")) is { } error) return new(OperationOutcome.Invalid, error, []);
        try
        {
            var d = await resilience.Read.ExecuteAsync(async ct => await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct), cancellationToken);
            var sets = await OwnedReplicaSetsAsync(d, cancellationToken);
            var current = DeploymentMath.Revision(sets.FirstOrDefault(rs => DeploymentMath.EqualIgnoreHash(rs.Spec.Template, d.Spec.Template)) ?? new V1ReplicaSet { Metadata = new V1ObjectMeta() });
            var revisions = sets
                .Where(rs => DeploymentMath.Revision(rs) > 0)
                .OrderBy(DeploymentMath.Revision)
                .Select(rs => new RevisionView(
                    DeploymentMath.Revision(rs), rs.Metadata.Name,
                    rs.Spec.Template.Spec.Containers.Select(c => new ContainerImage(c.Name, c.Image ?? "")).ToList(),
                    rs.Metadata.Annotations?.TryGetValue(WellKnown.ChangeCauseAnnotation, out var cause) == true ? cause : null,
                    rs.Metadata.CreationTimestamp is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null,
                    DeploymentMath.Revision(rs) == current,
                    TemplateDiff.Render(rs.Spec.Template)))
                .ToList();
            return new(OperationOutcome.Succeeded, revisions.Count == 0 ? "No rollout history found." : $"{revisions.Count} revisions", revisions);
        }
        catch (Exception e) when (Failure(e, name) is { } failure)
        {
            return new(failure.Outcome, failure.Message, []);
        }
    }

    /// <summary>A readable diff from the current template to <paramref name="revision"/>'s, what a rollback would change.</summary>
    public async Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default)
    {
        var history = await HistoryAsync(ns, name, cancellationToken);
        if (history.Outcome != OperationOutcome.Succeeded) return new(history.Outcome, history.Message);
        var target = history.Revisions.FirstOrDefault(r => r.Revision == revision);
        if (target is null) return new(OperationOutcome.Invalid, $"Revision {revision} is not in the history of {name}.");
        try
        {
            var d = await resilience.Read.ExecuteAsync(async ct => await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct), cancellationToken);
            var diff = TemplateDiff.Diff(TemplateDiff.Render(d.Spec.Template), target.Template);
            return new(OperationOutcome.Succeeded, TemplateDiff.HasChanges(diff) ? $"Changes from the current template to revision {revision}" : $"Revision {revision} is the current template.", null, diff);
        }
        catch (Exception e) when (Failure(e, name) is { } failure)
        {
            return failure;
        }
    }

    async Task<List<V1ReplicaSet>> OwnedReplicaSetsAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        var selector = string.Join(",", (d.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>()).Select(kv => $"{kv.Key}={kv.Value}"));
        var list = await resilience.Read.ExecuteAsync(async ct =>
            await Client.AppsV1.ListNamespacedReplicaSetAsync(d.Metadata.NamespaceProperty, labelSelector: selector, cancellationToken: ct), cancellationToken);
        // As kubectl does: only ReplicaSets this Deployment controls.
        return list.Items.Where(rs => Ownership.IsControlledBy(rs.Metadata, d.Metadata.Uid)).ToList();
    }

    async Task<OperationResult> MutateAsync(string ns, string name, string actor, bool dryRun, Func<V1Deployment, Task<Plan>> decide, CancellationToken cancellationToken)
    {
        if (InputValidation.LabelError(ns) is { } nsError) return new(OperationOutcome.Invalid, nsError);
        if (InputValidation.NameError(name, "deployment name") is { } nameError) return new(OperationOutcome.Invalid, nameError);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            V1Deployment current;
            try
            {
                current = await resilience.Read.ExecuteAsync(async ct => await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct), cancellationToken);
            }
            catch (Exception e) when (Failure(e, name) is { } failure)
            {
                return failure;
            }

            Plan plan;
            try { plan = await decide(current); }
            catch (Exception e) when (Failure(e, name) is { } failure) { return failure; }
            if (plan.Answer is { } answer) return answer with { Deployment = ViewMapper.Deployment(current) };

            try
            {
                var updated = await resilience.Write.ExecuteAsync(async ct =>
                    await Client.AppsV1.PatchNamespacedDeploymentAsync(plan.Patch!, name, ns, dryRun: dryRun ? "All" : null, fieldManager: FieldManager, cancellationToken: ct), cancellationToken);
                var diff = TemplateDiff.Diff(TemplateDiff.Render(current.Spec.Template), TemplateDiff.Render(updated.Spec.Template));
                if (dryRun)
                    return new(OperationOutcome.Succeeded, $"Dry run: {plan.Audit}. Nothing was changed.", ViewMapper.Deployment(updated), diff);
                // The audit line quotes what a person typed (a change cause): no newline may forge a second entry.
                logger.LogInformation("Audit: {Actor} {Action} {Namespace}/{Deployment}: {Message}", LogText.Escape(actor), plan.Reason, ns, name, LogText.Escape(plan.Audit));
                await RecordEventAsync(updated, plan.Reason, plan.Audit, cancellationToken);
                return new(OperationOutcome.Succeeded, Sentence(plan.Audit), ViewMapper.Deployment(updated), diff);
            }
            catch (HttpOperationException e) when (IsConflict(e))
            {
                logger.LogInformation("Conflict writing {Namespace}/{Deployment} (attempt {Attempt} of {Max}); re-reading", ns, name, attempt, MaxAttempts);
            }
            catch (Exception e) when (Failure(e, name, write: true) is { } failure)
            {
                return failure;
            }
        }
        return new(OperationOutcome.Conflict, $"{name} kept changing while this was being applied ({MaxAttempts} attempts). Nothing was changed by this request; check its current state and try again.");
    }

    // Not capitalised: it starts with the actor's identity, which is case-sensitive.
    static string Sentence(string audit) => audit.Length == 0 ? "Done." : audit + ".";

    /// <summary>A 409, or a failed JSON-patch test: what was read has changed since.</summary>
    static bool IsConflict(HttpOperationException e) =>
        e.Response.StatusCode == HttpStatusCode.Conflict
        || ((int)e.Response.StatusCode is 422 or 500 && e.Response.Content?.Contains("testing value", StringComparison.Ordinal) == true);

    OperationResult? Failure(Exception e, string name, bool write = false) => e switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => new(OperationOutcome.NotFound, $"Deployment {name} was not found. It may have been deleted."),
        HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } h => new(OperationOutcome.Refused, $"The cluster does not allow this: {StatusMessage(h)}"),
        HttpOperationException h when (int)h.Response.StatusCode is 400 or 422 => new(OperationOutcome.Refused, $"The cluster refused the change: {StatusMessage(h)}"),
        BrokenCircuitException => new(OperationOutcome.Unavailable, "The cluster is not answering right now, so nothing was sent and nothing was changed. Try again in a few seconds."),
        TimeoutRejectedException when write => new(OperationOutcome.Unavailable, "The cluster did not answer in time. The change may or may not have been applied: check the Deployment before trying again."),
        _ when KubernetesResilience.IsTransient(e) && write => new(OperationOutcome.Unavailable, $"The cluster could not be reached ({Short(e)}). The change may or may not have been applied: check the Deployment before trying again."),
        _ when KubernetesResilience.IsTransient(e) || e is TimeoutRejectedException => new(OperationOutcome.Unavailable, $"The cluster could not be reached ({Short(e)}); nothing was changed."),
        HttpOperationException h => new(OperationOutcome.Refused, StatusMessage(h)),
        _ => null,
    };

    static string Short(Exception e) => e is HttpOperationException h ? $"HTTP {(int)h.Response.StatusCode}" : e.Message;

    static string StatusMessage(HttpOperationException e)
    {
        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
            if (!string.IsNullOrEmpty(status?.Message)) return status.Message;
        }
        catch (System.Text.Json.JsonException) { }
        return $"HTTP {(int)e.Response.StatusCode}";
    }

    static Task<OperationResult> Invalid(string message) => Task.FromResult(new OperationResult(OperationOutcome.Invalid, message));

    /// <summary>
    /// A JSON patch that first tests the generation it was planned from. Generation moves on every
    /// change to spec or annotations and never on status writes, so the precondition catches another
    /// person's edit without tripping over the controller's constant status updates mid-rollout.
    /// </summary>
    static V1Patch Guarded(V1Deployment d, IEnumerable<JsonObject> ops) =>
        new(new JsonArray([Test("/metadata/generation", d.Metadata.Generation ?? 0), .. ops]).ToJsonString(), V1Patch.PatchType.JsonPatch);

    static JsonObject Op(string op, string path, JsonNode? value = null)
    {
        var o = new JsonObject { ["op"] = op, ["path"] = path };
        if (op != "remove") o["value"] = value;
        return o;
    }

    static JsonObject Test(string path, JsonNode? value) => Op("test", path, value);

    /// <summary>Sets one annotation, creating the map when the object has none (JSON pointer escapes '/').</summary>
    static JsonObject SetAnnotation(IDictionary<string, string>? existing, string mapPath, string key, string value) =>
        existing is null
            ? Op("add", mapPath, new JsonObject { [key] = value })
            : Op("add", $"{mapPath}/{key.Replace("~", "~0").Replace("/", "~1")}", value);

    /// <summary>One patch operation per annotation, or one that adds the map when there is none (two such adds would replace each other).</summary>
    static IEnumerable<JsonObject> SetAnnotations(IDictionary<string, string>? existing, string mapPath, params (string Key, string Value)[] pairs) =>
        existing is null
            ? [Op("add", mapPath, new JsonObject(pairs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))))]
            : pairs.Select(p => SetAnnotation(existing, mapPath, p.Key, p.Value));

    static JsonObject ModelJsonNode(object model) => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(model))!;

    async Task RecordEventAsync(V1Deployment d, string reason, string message, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = d.Metadata.Name + ".", NamespaceProperty = d.Metadata.NamespaceProperty },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = "apps/v1", Kind = "Deployment", Name = d.Metadata.Name, NamespaceProperty = d.Metadata.NamespaceProperty,
                Uid = d.Metadata.Uid, ResourceVersion = d.Metadata.ResourceVersion,
            },
            Reason = reason,
            Message = message,
            Type = "Normal",
            Source = new V1EventSource { Component = FieldManager },
            ReportingComponent = FieldManager,
            ReportingInstance = Environment.MachineName,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await resilience.Write.ExecuteAsync(async ct => await Client.CoreV1.CreateNamespacedEventAsync(ev, d.Metadata.NamespaceProperty, cancellationToken: ct), cancellationToken);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or BrokenCircuitException or TimeoutRejectedException)
        {
            // The change itself succeeded; the structured log above still records it.
            logger.LogWarning("Could not record the {Reason} event on {Deployment}: {Error}", reason, d.Metadata.Name, e.Message);
        }
    }
}
