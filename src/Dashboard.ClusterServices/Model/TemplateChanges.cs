using System.Collections.Immutable;
using System.Text.Json;
using k8s.Models;

namespace Dashboard.ClusterServices.Model;

/// <summary>A field manager's latest write to a Deployment's pod template, as its managedFields record it.</summary>
public sealed record TemplateChange(string Manager, string Operation, DateTimeOffset Time);

/// <summary>
/// Who changed a revision, from managedFields, which every kube-apiserver since 1.18 keeps (and the embedded
/// cluster too): the manager names the tool (<c>kubectl-set</c>, <c>kubectl-client-side-apply</c>,
/// <c>kubectl</c> for server-side apply, <c>helm</c>, <c>argocd-controller</c>, <c>rollout-dashboard</c>).
/// A change cause exists only when someone writes one; managedFields are always there.
/// </summary>
public static class ChangeAuthors
{
    /// <summary>The managers (of the Deployment itself, not its status) that own a field of <c>spec.template</c>, with their entries' times.</summary>
    public static ImmutableArray<TemplateChange> FromManagedFields(IEnumerable<V1ManagedFieldsEntry>? entries) =>
        [.. (entries ?? []).Where(e => string.IsNullOrEmpty(e.Subresource) && e.Time is not null && !string.IsNullOrEmpty(e.Manager) && OwnsTemplate(e.FieldsV1))
            .Select(e => new TemplateChange(e.Manager, e.Operation ?? "Update", new DateTimeOffset(DateTime.SpecifyKind(e.Time!.Value, DateTimeKind.Utc))))
            .OrderByDescending(c => c.Time)];

    // KubernetesClient reads fieldsV1 (an object in its model) as a JsonElement.
    static bool OwnsTemplate(object? fieldsV1) =>
        fieldsV1 is JsonElement { ValueKind: JsonValueKind.Object } f && f.TryGetProperty("f:spec", out var spec) && spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("f:template", out _);

    /// <summary>
    /// Who made a revision. The current one is the last template write's. An older one is named only when a
    /// template owner's last write fell when that revision's ReplicaSet was made: managedFields keep each
    /// manager's latest time, so a revision is forgotten once its author has written again, and one a rollback
    /// made (its ReplicaSet renumbered) is left to the records.
    /// </summary>
    public static TemplateChange? Of(DeploymentView d, ReplicaSetView rs, bool isCurrent)
    {
        if (d.TemplateChanges.IsDefaultOrEmpty) return null;
        if (isCurrent) return d.TemplateChanges[0];
        // A ReplicaSet a rollback brought back was made for an earlier revision: its time says nothing of this one.
        if (rs.CreatedAt is not { } made || rs.Renumbered) return null;
        return d.TemplateChanges.FirstOrDefault(c => made >= c.Time.AddSeconds(-1) && made <= c.Time.AddSeconds(5));
    }

    /// <summary>How a change's author reads: the manager, and the person when the dashboard made it for someone it knows.</summary>
    public static string Describe(string manager, string? person) =>
        manager == Operations.RolloutOperations.FieldManager && !string.IsNullOrEmpty(person) && person != manager ? $"{manager} ({person})" : manager;
}
