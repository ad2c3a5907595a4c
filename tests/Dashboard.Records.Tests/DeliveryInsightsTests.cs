namespace Dashboard.Records.Tests;

public sealed class DeliveryInsightsTests
{
    static readonly DateTime Monday = new(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);

    static RolloutRecord Rollout(long revision, RolloutOutcome outcome, DateTime started, TimeSpan? took = null, DateTime? firstFailure = null, string uid = "uid-1") => new()
    {
        Context = "embedded", Namespace = "default", Kind = "Deployment", Workload = "flask-app", WorkloadUid = uid, Revision = revision,
        ToImages = "flask-app=flask-app:" + revision, StartedBy = "alice", StartedAt = started, Outcome = outcome,
        EndedAt = took is { } t ? started + t : null, FirstFailureAt = firstFailure,
    };

    [Fact]
    public void Frequency_failure_rate_restore_and_duration_come_from_what_happened()
    {
        var records = new[]
        {
            Rollout(1, RolloutOutcome.Complete, Monday.AddHours(9), TimeSpan.FromSeconds(40)),
            Rollout(2, RolloutOutcome.Complete, Monday.AddHours(10), TimeSpan.FromSeconds(60)),
            // Fails at 11:00:30; revision 4 (the rollback) completes at 11:02:20: restored in 110 s.
            Rollout(3, RolloutOutcome.RolledBack, Monday.AddHours(11), firstFailure: Monday.AddHours(11).AddSeconds(30)),
            Rollout(4, RolloutOutcome.Complete, Monday.AddHours(11).AddMinutes(2), TimeSpan.FromSeconds(20)),
            Rollout(5, RolloutOutcome.InProgress, Monday.AddDays(1).AddHours(9)),
            // Outside the window: not counted.
            Rollout(1, RolloutOutcome.Failed, Monday.AddDays(-3), uid: "uid-2"),
        };

        var insights = DeliveryInsights.Compute(records, Monday, Monday.AddDays(2));

        Assert.Equal((5, 3, 1), (insights.Rollouts, insights.Complete, insights.Failures));
        Assert.Equal(2.5, insights.PerDay);
        Assert.Equal(0.25, insights.ChangeFailureRate); // one of the four that ended; the one under way is not counted
        Assert.Equal(TimeSpan.FromSeconds(110), insights.TimeToRestore);
        Assert.Equal(TimeSpan.FromSeconds(40), insights.DurationP50);
        Assert.Equal(TimeSpan.FromSeconds(60), insights.DurationP95);
        Assert.Equal([(4, 1), (1, 0)], insights.Days.Select(d => (d.Rollouts, d.Failures)));
    }

    [Fact]
    public void A_window_with_nothing_in_it_has_no_rates_rather_than_zeroes()
    {
        var insights = DeliveryInsights.Compute([], Monday, Monday.AddDays(7));

        Assert.Equal(0, insights.Rollouts);
        Assert.Null(insights.ChangeFailureRate);
        Assert.Null(insights.TimeToRestore);
        Assert.Null(insights.DurationP50);
        Assert.Equal(7, insights.Days.Count);
    }

    [Fact]
    public void A_failure_not_yet_restored_has_no_time_to_restore()
    {
        var insights = DeliveryInsights.Compute([Rollout(3, RolloutOutcome.Failed, Monday.AddHours(1))], Monday, Monday.AddDays(1));

        Assert.Equal(1.0, insights.ChangeFailureRate);
        Assert.Equal(0, insights.Restored);
        Assert.Null(insights.TimeToRestore);
    }
}
