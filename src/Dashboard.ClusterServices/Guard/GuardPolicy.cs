using System.Globalization;

namespace Dashboard.ClusterServices.Guard;

public enum GuardMode { Off, Pause, Rollback }

/// <summary>
/// A Deployment's guard, from its annotations (so GitOps can own it): <c>rollout-dashboard.io/guard</c>
/// = <c>pause</c> or <c>rollback</c>, <c>…/guard-max-failed-ratio</c> (default 0.01) and
/// <c>…/guard-stuck-seconds</c> (default 60). A value that cannot be read leaves the guard off and says why.
/// </summary>
public sealed record GuardPolicy(GuardMode Mode, double MaxFailedRatio, int StuckSeconds, string? Problem = null)
{
    public const double DefaultMaxFailedRatio = 0.01;
    public const int DefaultStuckSeconds = 60;

    public static readonly GuardPolicy Off = new(GuardMode.Off, DefaultMaxFailedRatio, DefaultStuckSeconds);

    public bool On => Mode != GuardMode.Off;

    public static GuardPolicy Parse(string? mode, string? maxFailedRatio, string? stuckSeconds)
    {
        var parsedMode = mode?.Trim().ToLowerInvariant() switch
        {
            null or "" or "off" => GuardMode.Off,
            "pause" => GuardMode.Pause,
            "rollback" => GuardMode.Rollback,
            _ => (GuardMode?)null,
        };
        if (parsedMode is null)
            return Off with { Problem = $"rollout-dashboard.io/guard is \"{mode}\": use pause, rollback or off. The guard is off." };
        if (parsedMode == GuardMode.Off) return Off;
        var ratio = DefaultMaxFailedRatio;
        if (maxFailedRatio is { Length: > 0 } && (!double.TryParse(maxFailedRatio, NumberStyles.Float, CultureInfo.InvariantCulture, out ratio) || ratio is < 0 or > 1 || double.IsNaN(ratio)))
            return Off with { Problem = $"rollout-dashboard.io/guard-max-failed-ratio is \"{maxFailedRatio}\": give a share between 0 and 1 (0.01 is 1%). The guard is off." };
        var seconds = DefaultStuckSeconds;
        if (stuckSeconds is { Length: > 0 } && (!int.TryParse(stuckSeconds, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds is < 1 or > 86_400))
            return Off with { Problem = $"rollout-dashboard.io/guard-stuck-seconds is \"{stuckSeconds}\": give whole seconds from 1 to 86400. The guard is off." };
        return new GuardPolicy(parsedMode.Value, ratio, seconds);
    }

    /// <summary>The settings in a sentence, for the deployment page.</summary>
    public string Describe() => Mode switch
    {
        GuardMode.Off => Problem ?? "No guard: rollouts of this Deployment are watched, not acted on.",
        _ => $"Guarded ({(Mode == GuardMode.Pause ? "pause" : "roll back")}): when more than {MaxFailedRatio.ToString("0.##%", CultureInfo.InvariantCulture)} of probe requests fail, new pods are stuck or not ready for {StuckSeconds} s, or the progress deadline is exceeded.",
    };
}
