using Dashboard.ClusterServices.Model;

namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// A namespace's pods from its shared cache, by name and by the UID of the ReplicaSet that controls them,
/// for a background service that looks at a rollout's new pods every second: they are looked up, not
/// searched for among thousands. Not thread-safe: its owner applies updates and reads under its own lock.
/// </summary>
public sealed class PodIndex
{
    readonly Dictionary<string, PodView> _byName = new(StringComparer.Ordinal);
    readonly Dictionary<string, Dictionary<string, PodView>> _byOwner = new(StringComparer.Ordinal);

    /// <summary>False until the namespace's pods are in: until then nothing is known of them.</summary>
    public bool Ready { get; set; }

    /// <summary>The pods a ReplicaSet controls (by its UID).</summary>
    public IEnumerable<PodView> OwnedBy(string ownerUid) => _byOwner.TryGetValue(ownerUid, out var of) ? of.Values : [];

    public void Put(PodView pod)
    {
        Remove(pod.Name);
        _byName[pod.Name] = pod;
        if (pod.OwnerUid is not { } owner) return;
        if (!_byOwner.TryGetValue(owner, out var of)) _byOwner[owner] = of = new(StringComparer.Ordinal);
        of[pod.Name] = pod;
    }

    public void Remove(string name)
    {
        if (!_byName.Remove(name, out var before) || before.OwnerUid is not { } owner) return;
        if (_byOwner.TryGetValue(owner, out var of) && of.Remove(name) && of.Count == 0) _byOwner.Remove(owner);
    }

    public void Apply(CacheUpdate<PodView> update)
    {
        if (update.Reset is { } all)
        {
            _byName.Clear();
            _byOwner.Clear();
            foreach (var pod in all) Put(pod);
        }
        foreach (var change in update.Changes)
            if (change.Kind == ChangeKind.Delete) Remove(change.Key[(change.Key.IndexOf('/', StringComparison.Ordinal) + 1)..]);
            else Put(change.View);
    }
}
