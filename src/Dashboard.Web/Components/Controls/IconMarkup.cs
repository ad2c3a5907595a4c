namespace Dashboard.Web.Components.Controls;

/// <summary>MudIcon's own markup for an SVG icon, for places that render markup instead of a MudIcon component.</summary>
public static class IconMarkup
{
    public static string Svg(string icon, string size = "small", string? extraClass = null) =>
        $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{size}{(extraClass is null ? "" : " " + extraClass)}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{icon}</svg>";
}
