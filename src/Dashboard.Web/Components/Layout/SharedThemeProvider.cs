using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace Dashboard.Web.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, with its stylesheet built once per theme and mode and shared by every
/// page: <see cref="MudThemeProvider"/> builds a 24 KB style string anew for each circuit, and each open
/// page keeps its copy for as long as it is open. The dashboard's themes are static and never change.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // MudThemeProvider's own rule for chart series, kept so nothing renders differently.
    const string ChartSeriesStyle = "<style>\n    .mud-chart-serie:hover {\n        filter: url(#lighten);\n    }\n\n    .mud-chart-serie-hovered \n    {\n        filter: url(#lighten);\n    }\n</style>\n\n";

    // Keyed by theme instance: the dashboard's themes are static singletons, so this holds a handful of entries.
    static readonly ConcurrentDictionary<(MudTheme Theme, bool Dark, bool DefaultScrollbar), string> Styles = new();

    // IsDarkMode is read as the parameter it was given: its state only differs when the provider follows the
    // system's dark mode, which the dashboard never asks for (the wall is always dark, the pages always light).
#pragma warning disable MUD0010
    protected override void BuildRenderTree(RenderTreeBuilder builder) =>
        builder.AddMarkupContent(0, Styles.GetOrAdd((GetTheme(), IsDarkMode, DefaultScrollbar),
            static (key, provider) => (key.DefaultScrollbar ? "" : BuildMudBlazorScrollbar()) + ChartSeriesStyle + provider.BuildTheme(), this));
#pragma warning restore MUD0010
}
