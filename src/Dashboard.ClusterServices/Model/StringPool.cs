using System.Collections.Concurrent;

namespace Dashboard.ClusterServices.Model;

/// <summary>
/// Shares the strings that thousands of cached objects repeat (namespaces, node and ReplicaSet
/// names, images, statuses, label keys and values), so a cached pod costs its unique fields only.
/// Bounded: past its capacity new strings are simply not pooled.
/// </summary>
public static class StringPool
{
    const int Capacity = 100_000;
    static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    public static string Intern(string value)
    {
        if (value.Length == 0) return string.Empty;
        if (Pool.TryGetValue(value, out var pooled)) return pooled;
        if (Pool.Count >= Capacity) return value;
        return Pool.GetOrAdd(value, value);
    }

    public static string? InternOrNull(string? value) => value is null ? null : Intern(value);
}
