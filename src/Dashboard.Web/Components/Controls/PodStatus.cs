using Dashboard.Kubernetes;
using System.Net;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A pod's status with kubectl's text, an icon and a colour for its kind. Markup, not a component: a
/// pod table renders it once per row, and a component (and a MudIcon inside it) per row is what a
/// circuit's memory is mostly made of.
/// </summary>
public static class PodStatus
{
    /// <summary>A CSS-safe category: each of the states an operator must tell apart gets its own look.</summary>
    public static string Kind(string status, bool ready) => status switch
    {
        "Running" => ready ? "ready" : "starting",
        "Pending" => "pending",
        "ContainerCreating" or "PodInitializing" => "creating",
        "Terminating" => "terminating",
        PodProblems.CrashLoopBackOff or "Error" or "OOMKilled" => "crash",
        _ when PodProblems.ImageReasons.Contains(status) => "image",
        "Completed" => "completed",
        _ => "other",
    };

    /// <summary>The status as HTML (the text encoded).</summary>
    public static string Markup(string status, bool ready)
    {
        var kind = Kind(status, ready);
        var text = WebUtility.HtmlEncode(status);
        return $"<span class=\"pod-status pod-status-{kind}\" title=\"{text}\">{Icons[kind]}{text}</span>";
    }

    // Made once per kind.
    static readonly Dictionary<string, string> Icons = new()
    {
        ["ready"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.CheckCircle),
        ["starting"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.HourglassTop),
        ["pending"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.Schedule),
        ["creating"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.Downloading),
        ["terminating"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.RemoveCircle),
        ["crash"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.Replay),
        ["image"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.BrokenImage),
        ["completed"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.Done),
        ["other"] = IconMarkup.Svg(MudBlazor.Icons.Material.Filled.Help),
    };
}
