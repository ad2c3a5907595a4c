using Dashboard.ClusterServices.Caching;

namespace Dashboard.Web.Model;

/// <summary>
/// A component's copy of one feed, keyed like the cache (namespace/name). It is only touched on the
/// renderer's thread: <see cref="LiveComponentBase"/> applies updates through InvokeAsync.
/// </summary>
public sealed class LiveCollection<T>(Func<T, string> key)
{
    readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    public IReadOnlyCollection<T> Items => _items.Values;
    public int Count => _items.Count;

    public void Replace(IEnumerable<T> items)
    {
        _items.Clear();
        foreach (var item in items) _items[key(item)] = item;
    }

    public void Apply(CacheUpdate<T> update) => update.ApplyTo(_items, key);
}
