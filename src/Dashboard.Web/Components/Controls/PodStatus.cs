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

    public static RenderFragment Render(string status, bool ready) => builder =>
    {
        var kind = Kind(status, ready);
        builder.OpenElement(0, "span");
        builder.AddAttribute(1, "class", $"pod-status pod-status-{kind}");
        builder.AddAttribute(2, "title", status);
        // MudIcon's own markup for a small SVG icon.
        builder.AddMarkupContent(3, $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{IconOf(kind)}</svg>");
        builder.AddContent(4, status);
        builder.CloseElement();
    };

    static string IconOf(string kind) => kind switch
    {
        "ready" => Icons.Material.Filled.CheckCircle,
        "starting" => Icons.Material.Filled.HourglassTop,
        "pending" => Icons.Material.Filled.Schedule,
        "creating" => Icons.Material.Filled.Downloading,
        "terminating" => Icons.Material.Filled.RemoveCircle,
        "crash" => Icons.Material.Filled.Replay,
        "image" => Icons.Material.Filled.BrokenImage,
        "completed" => Icons.Material.Filled.Done,
        _ => Icons.Material.Filled.Help,
    };
}
