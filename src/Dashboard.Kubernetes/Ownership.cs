using k8s.Models;

namespace Dashboard.Kubernetes;

/// <summary>
/// Which objects belong to which, as the controllers decide it: by the controller owner reference's
/// UID, and for a Deployment's pods also by the pod-template-hash their ReplicaSet stamps on them.
/// Never by name: a pod called <c>web-x</c> that <c>web</c> does not own is not <c>web</c>'s.
/// </summary>
public static class Ownership
{
    /// <summary>The owner reference with <c>controller: true</c> (metav1.GetControllerOf).</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta? meta) => meta?.OwnerReferences?.FirstOrDefault(o => o.Controller == true);

    public static bool IsControlledBy(V1ObjectMeta? meta, string ownerUid) => ControllerOf(meta)?.Uid is { } uid && uid == ownerUid;

    /// <summary>
    /// True when a child whose controller is <paramref name="childOwnerUid"/> and whose template hash is
    /// <paramref name="childTemplateHash"/> belongs to the ReplicaSet <paramref name="replicaSetUid"/> with
    /// <paramref name="replicaSetTemplateHash"/>: the controller reference decides, and the hash, when the
    /// ReplicaSet has one, must agree (a pod adopted from another template is not this revision's).
    /// </summary>
    public static bool IsPodOf(string? childOwnerUid, string? childTemplateHash, string replicaSetUid, string? replicaSetTemplateHash) =>
        childOwnerUid is not null && childOwnerUid == replicaSetUid
        && (replicaSetTemplateHash is null || childTemplateHash == replicaSetTemplateHash);

    public static bool IsPodOf(V1Pod pod, V1ReplicaSet replicaSet) =>
        IsPodOf(ControllerOf(pod.Metadata)?.Uid, Metadata.Label(pod.Metadata, WellKnown.PodTemplateHashLabel),
            replicaSet.Metadata.Uid, Metadata.Label(replicaSet.Metadata, WellKnown.PodTemplateHashLabel));

    /// <summary>The alphabet of generated name suffixes (utilrand.String: no vowels, no 0, 1, 3).</summary>
    public const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>True when <paramref name="name"/> is what <c>generateName: prefix</c> makes (names.SimpleNameGenerator: five random characters).</summary>
    public static bool IsGeneratedName(string name, string generateName) =>
        name.Length == generateName.Length + 5 && name.StartsWith(generateName, StringComparison.Ordinal)
        && name.AsSpan(generateName.Length).IndexOfAnyExcept(NameAlphabet) < 0;
}
