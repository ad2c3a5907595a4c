namespace Dashboard.Kubernetes;

/// <summary>Equality-based label selection (labels.SelectorFromSet): every key of the selector with its value.</summary>
public static class Labels
{
    /// <summary>
    /// True when <paramref name="labels"/> carry every pair of <paramref name="selector"/>. An empty
    /// selector selects everything, as <c>matchLabels: {}</c> does; callers that must not (a Service
    /// without a selector selects nothing) check for it first.
    /// </summary>
    public static bool Match(IEnumerable<KeyValuePair<string, string>>? selector, IReadOnlyDictionary<string, string>? labels) =>
        selector is null || selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static bool Match(IEnumerable<KeyValuePair<string, string>>? selector, Dictionary<string, string>? labels) =>
        Match(selector, (IReadOnlyDictionary<string, string>?)labels);

    public static bool Match(IEnumerable<KeyValuePair<string, string>>? selector, IDictionary<string, string>? labels) =>
        selector is null || selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
