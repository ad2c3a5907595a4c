using System.Net;
using Microsoft.AspNetCore.Components;
using MudBlazor;

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
        "CrashLoopBackOff" or "Error" or "OOMKilled" => "crash",
        "ImagePullBackOff" or "ErrImagePull" or "InvalidImageName" => "image",
        "Completed" => "completed",
        _ => "other",
    };

    /// <summary>The status as HTML (the text encoded).</summary>
    public static string Markup(string status, bool ready)
    {
        var kind = Kind(status, ready);
        var text = WebUtility.HtmlEncode(status);
        return $"<span class=\"pod-status pod-status-{kind}\" title=\"{text}\">{IconMarkup(kind)}{text}</span>";
    }

    public static RenderFragment Render(string status, bool ready) => builder => builder.AddMarkupContent(0, Markup(status, ready));

    // MudIcon's own markup for a small SVG icon, made once per kind.
    static readonly Dictionary<string, string> Icons = new[] { "ready", "starting", "pending", "creating", "terminating", "crash", "image", "completed", "other" }
        .ToDictionary(k => k, k => $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{IconOf(k)}</svg>");

    static string IconMarkup(string kind) => Icons[kind];

    static string IconOf(string kind) => kind switch
    {
        "ready" => MudBlazor.Icons.Material.Filled.CheckCircle,
        "starting" => MudBlazor.Icons.Material.Filled.HourglassTop,
        "pending" => MudBlazor.Icons.Material.Filled.Schedule,
        "creating" => MudBlazor.Icons.Material.Filled.Downloading,
        "terminating" => MudBlazor.Icons.Material.Filled.RemoveCircle,
        "crash" => MudBlazor.Icons.Material.Filled.Replay,
        "image" => MudBlazor.Icons.Material.Filled.BrokenImage,
        "completed" => MudBlazor.Icons.Material.Filled.Done,
        _ => MudBlazor.Icons.Material.Filled.Help,
    };
}
