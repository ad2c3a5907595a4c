using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Dashboard.Kubernetes;

/// <summary>What a container's lifecycle hooks mean for how long it keeps serving after it is told to stop.</summary>
public static partial class Lifecycle
{
    [GeneratedRegex(@"sleep\s+(\d+)")]
    private static partial Regex SleepCommand();

    /// <summary>
    /// Seconds a preStop hook holds the container before SIGTERM: a sleep action, an exec of sleep, or
    /// about a second for an HTTP call; zero without a hook.
    /// </summary>
    public static int PreStopSeconds(V1LifecycleHandler? handler)
    {
        if (handler is null) return 0;
        if (handler.Sleep is { } sleep) return (int)sleep.Seconds;
        if (handler.Exec?.Command is { } command && SleepCommand().Match(string.Join(' ', command)) is { Success: true } m)
            return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return handler.HttpGet is not null ? 1 : 0;
    }

    /// <summary>The longest preStop hook of a pod's containers.</summary>
    public static int PreStopSeconds(V1PodSpec? spec) => spec?.Containers?.Select(c => PreStopSeconds(c.Lifecycle?.PreStop)).DefaultIfEmpty(0).Max() ?? 0;
}
