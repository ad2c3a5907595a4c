using Dashboard.ClusterServices.Caching;

namespace Dashboard.Web.Model;

/// <summary>
/// A component's copy of one feed, keyed like the cache (namespace/name). It is only touched on the
/// renderer's thread: <see cref="LiveComponentBase"/> applies updates through InvokeAsync.
/// </summary>
/// <param name="keep">Which objects this page keeps a copy of (a deployment page needs its own pods, not the namespace's).</param>
public sealed class LiveCollection<T>(Func<T, string> key, Func<T, bool>? keep = null)
{
    readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    public IReadOnlyCollection<T> Items => _items.Values;
    public int Count => _items.Count;

    public bool Contains(string itemKey) => _items.ContainsKey(itemKey);

    public void Replace(IEnumerable<T> items)
    {
        _items.Clear();
        foreach (var item in items)
            if (keep is null || keep(item)) _items[key(item)] = item;
    }

    /// <summary>Applies an update; false when it touched nothing this collection keeps (no render needed).</summary>
    public bool Apply(CacheUpdate<T> update)
    {
        if (keep is null)
        {
            update.ApplyTo(_items, key);
            return update.IsReset || update.Changes.Count > 0;
        }
        var changed = false;
        if (update.Reset is { } all)
        {
            Replace(all);
            changed = true;
        }
        foreach (var change in update.Changes)
            if (change.Kind == ChangeKind.Delete || !keep(change.View)) changed |= _items.Remove(change.Key);
            else
            {
                _items[change.Key] = change.View;
                changed = true;
            }
        return changed;
    }
}
