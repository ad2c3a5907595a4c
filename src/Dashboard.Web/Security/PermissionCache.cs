using System.Collections.Concurrent;

namespace Dashboard.Web.Security;

/// <summary>
/// The cluster's answers to SelfSubjectAccessReviews, shared by every circuit for a short while:
/// opening a page must not cost one review per namespace each time, and a person's new tab asks
/// nothing the last one already asked. Keyed by person and context, so nobody sees another's answer.
/// </summary>
public sealed class PermissionCache(TimeProvider clock)
{
    /// <summary>How long an answer stands: a RoleBinding granted or removed shows within this.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    const int MaxEntries = 20_000;

    readonly ConcurrentDictionary<string, (DateTimeOffset At, bool Allowed)> _answers = new(StringComparer.Ordinal);

    public static string Key(string? context, string person, string verb, string group, string resource, string ns) =>
        string.Join('\u001f', context ?? "", person, verb, group, resource, ns);

    public bool TryGet(string key, out bool allowed)
    {
        allowed = false;
        if (!_answers.TryGetValue(key, out var answer) || clock.GetUtcNow() - answer.At >= Ttl) return false;
        allowed = answer.Allowed;
        return true;
    }

    public void Set(string key, bool allowed)
    {
        var now = clock.GetUtcNow();
        if (_answers.Count >= MaxEntries)
            foreach (var (k, v) in _answers)
                if (now - v.At >= Ttl) _answers.TryRemove(k, out _);
        _answers[key] = (now, allowed);
    }
}
