namespace Dashboard.Web.Hosting;

/// <summary>How the app listens and serves its files, as ASP.NET Core users expect from any app.</summary>
public static class DashboardHosting
{
    /// <summary>Where the dashboard listens when nothing says otherwise: loopback only, so an unconfigured start is never reachable from the network.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// True when an address comes from any place Kestrel reads one: <c>urls</c> (<c>ASPNETCORE_URLS</c>,
    /// <c>--urls</c>, <c>Urls</c> in a settings file), <c>http_ports</c>/<c>https_ports</c>, or <c>Kestrel:Endpoints</c>.
    /// </summary>
    public static bool HasListenAddress(IConfiguration configuration) =>
        configuration["urls"] is { Length: > 0 } || configuration["http_ports"] is { Length: > 0 } || configuration["https_ports"] is { Length: > 0 }
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    /// <summary>
    /// The default address only when none is configured (a settings file naming one would silently win
    /// over <c>ASPNETCORE_URLS</c>, which ranks below it); and the static web assets of the build
    /// (MudBlazor's, the Blazor script) in every environment, not only Development: a build run with
    /// <c>--no-launch-profile</c> must look the same. Published output has no manifest and serves its wwwroot.
    /// </summary>
    public static WebApplicationBuilder UseDashboardHosting(this WebApplicationBuilder builder)
    {
        if (!HasListenAddress(builder.Configuration)) builder.WebHost.UseUrls(DefaultUrl);
        builder.WebHost.UseStaticWebAssets();
        return builder;
    }
}
