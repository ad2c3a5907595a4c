using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>
/// A web host for the cluster's own listeners (API server, data plane) that reads none of the process's
/// configuration: inside the dashboard, a <c>Kestrel__Endpoints__…</c> or <c>ASPNETCORE_URLS</c> meant for the
/// dashboard would otherwise bind these listeners too, on the dashboard's port or on every interface.
/// </summary>
static class IsolatedWebHost
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        return builder;
    }
}
