namespace Dashboard.Web.Components.Controls;

/// <summary>Series colours that mean the same everywhere: new is blue, old grey, unavailable and failed red, serving and answered green.</summary>
public static class LineChartPalettes
{
    public static readonly string[] Timeline = ["#2f6bff", "#8a94a8", "#e5484d", "#2fbf71"];
    public static readonly string[] Probe = ["#2fbf71", "#e5484d"];
}
