using System.Globalization;
using Dashboard.Records;

namespace Dashboard.Web.Records;

/// <summary>
/// The filters of <c>/rollouts</c>, <c>/audit</c> and their APIs, read from the query string the same way
/// for both: a bad value is a sentence naming what is accepted, never a guess.
/// </summary>
public static class RecordFilters
{
    /// <summary>The windows the pages offer, as the query string spells them.</summary>
    public static readonly IReadOnlyList<(string Key, string Label, TimeSpan Span)> Windows =
    [
        ("1h", "last hour", TimeSpan.FromHours(1)),
        ("24h", "last 24 hours", TimeSpan.FromHours(24)),
        ("7d", "last 7 days", TimeSpan.FromDays(7)),
        ("30d", "last 30 days", TimeSpan.FromDays(30)),
        ("90d", "last 90 days", TimeSpan.FromDays(90)),
    ];

    /// <summary>A window such as <c>7d</c>, <c>24h</c>, <c>90m</c>; null when not given.</summary>
    public static (TimeSpan? Span, string? Problem) Window(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return (null, null);
        var unit = value[^1];
        if (value.Length > 1 && int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= 100_000)
            switch (unit)
            {
                case 'm': return (TimeSpan.FromMinutes(n), null);
                case 'h': return (TimeSpan.FromHours(n), null);
                case 'd': return (TimeSpan.FromDays(n), null);
            }
        return (null, $"since \"{value}\" is not a window: give a number and m, h or d (for example 24h or 7d).");
    }

    public static (RolloutOutcome? Outcome, string? Problem) Outcome(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return (null, null);
        return Enum.TryParse<RolloutOutcome>(value, ignoreCase: true, out var outcome) && Enum.IsDefined(outcome) && !int.TryParse(value, out _)
            ? (outcome, null)
            : (null, $"outcome \"{value}\" is not one of {string.Join(", ", Enum.GetNames<RolloutOutcome>())}.");
    }

    public static string Label(RolloutOutcome outcome) => outcome switch
    {
        RolloutOutcome.InProgress => "In progress",
        RolloutOutcome.RolledBack => "Rolled back",
        _ => outcome.ToString(),
    };

    /// <summary>A rollout's duration as a person reads it: 42s, 3m 05s, 2h 10m.</summary>
    public static string Duration(TimeSpan? span) => span switch
    {
        null => "—",
        { TotalSeconds: < 60 } s => $"{s.TotalSeconds:0}s",
        { TotalHours: < 1 } s => $"{(int)s.TotalMinutes}m {s.Seconds:00}s",
        { TotalDays: < 1 } s => $"{(int)s.TotalHours}h {s.Minutes:00}m",
        var s => $"{(int)s.Value.TotalDays}d {s.Value.Hours}h",
    };
}
