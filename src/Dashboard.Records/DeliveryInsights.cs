namespace Dashboard.Records;

/// <summary>
/// The DORA measures over a window, computed from what really happened in the cluster: how often
/// rollouts ship, the share that failed or were rolled back, how long a failure took to undo or fix,
/// and how long rollouts take.
/// </summary>
public sealed record DeliveryInsights(
    DateTime Since,
    DateTime Until,
    int Rollouts,
    int Complete,
    int Failures,
    /// <summary>Rollouts per day over the window.</summary>
    double PerDay,
    /// <summary>Failed or rolled back, out of the rollouts that ended (null when none ended).</summary>
    double? ChangeFailureRate,
    /// <summary>Median from the first failure seen to the next complete rollout of that workload.</summary>
    TimeSpan? TimeToRestore,
    int Restored,
    TimeSpan? DurationP50,
    TimeSpan? DurationP95,
    IReadOnlyList<InsightsDay> Days)
{
    /// <summary>
    /// Computes the measures from the records that started in [<paramref name="since"/>, <paramref name="until"/>).
    /// A failure's restore ends at the next Complete rollout of the same workload, which may start after the window.
    /// </summary>
    public static DeliveryInsights Compute(IEnumerable<RolloutRecord> records, DateTime since, DateTime until)
    {
        var all = records.ToList();
        var inWindow = all.Where(r => r.StartedAt >= since && r.StartedAt < until).OrderBy(r => r.StartedAt).ToList();
        var ended = inWindow.Where(r => !r.IsOpen).ToList();
        var failures = inWindow.Where(r => r.IsFailure).ToList();

        var restores = new List<TimeSpan>();
        foreach (var failure in failures)
        {
            var from = failure.FirstFailureAt ?? failure.StartedAt;
            var fix = all.Where(r => r.WorkloadUid == failure.WorkloadUid && r.Revision > failure.Revision && r.Outcome == RolloutOutcome.Complete && r.EndedAt is not null)
                .OrderBy(r => r.Revision).FirstOrDefault();
            if (fix?.EndedAt is { } restored && restored >= from) restores.Add(restored - from);
        }

        var durations = inWindow.Where(r => r.Outcome == RolloutOutcome.Complete && r.EndedAt is not null)
            .Select(r => r.EndedAt!.Value - r.StartedAt).Order().ToList();

        var days = new List<InsightsDay>();
        for (var day = since.Date; day < until; day = day.AddDays(1))
        {
            var of = inWindow.Where(r => r.StartedAt.Date == day).ToList();
            days.Add(new InsightsDay(DateOnly.FromDateTime(day), of.Count, of.Count(r => r.IsFailure)));
        }

        var windowDays = Math.Max((until - since).TotalDays, 1.0 / 24);
        return new DeliveryInsights(since, until, inWindow.Count, inWindow.Count(r => r.Outcome == RolloutOutcome.Complete), failures.Count,
            inWindow.Count / windowDays, ended.Count == 0 ? null : (double)failures.Count / ended.Count,
            Percentile(restores.Order().ToList(), 0.5), restores.Count, Percentile(durations, 0.5), Percentile(durations, 0.95), days);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>One day of the window: rollouts started, and how many of them failed or were rolled back.</summary>
public sealed record InsightsDay(DateOnly Day, int Rollouts, int Failures);
