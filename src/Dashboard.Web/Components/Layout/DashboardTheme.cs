using MudBlazor;

namespace Dashboard.Web.Components.Layout;

public static class DashboardTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2457d6",
            AppbarBackground = "#0f1b33",
            AppbarText = "#ffffff",
            Background = "#f5f7fb",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"] },
        },
    };
}
