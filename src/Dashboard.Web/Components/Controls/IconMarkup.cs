using System.Collections.Concurrent;

namespace Dashboard.Web.Components.Controls;

/// <summary>MudIcon's own markup for an SVG icon, for places that render markup instead of a MudIcon component.</summary>
public static class IconMarkup
{
    // Icons are MudBlazor's constants, so this holds a few dozen entries; every page shares them instead of building its own.
    static readonly ConcurrentDictionary<(string Icon, string Size, string? ExtraClass), string> Made = new();

    public static string Svg(string icon, string size = "small", string? extraClass = null) =>
        Made.GetOrAdd((icon, size, extraClass), static k =>
            $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{k.Size}{(k.ExtraClass is null ? "" : " " + k.ExtraClass)}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{k.Icon}</svg>");
}
