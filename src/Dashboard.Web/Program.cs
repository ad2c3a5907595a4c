using Dashboard.EmbeddedCluster;
using Dashboard.Web.Cluster;
using Dashboard.Web.Components;
using Dashboard.Web.Hosting;
using Dashboard.Web.Hubs;
using Dashboard.Web.Records;
using Dashboard.Web.Security;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);
builder.UseDashboardHosting();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024);
builder.Services.UsePodStreamProtocol();
builder.Services.AddMudServices();
builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));
builder.Services.Configure<EmbeddedClusterOptions>(builder.Configuration.GetSection(EmbeddedClusterOptions.Section));
builder.Services.AddSingleton<ClusterConnection>();
builder.Services.AddSingleton<PodEventFeeds>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterConnection>());
builder.Services.AddClusterServices();
builder.Services.AddSingleton<CircuitCounter>();
builder.Services.AddSingleton<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<CircuitCounter>());
builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
builder.AddDashboardKeyStorage();
builder.Services.Configure<Dashboard.Records.RecordsOptions>(builder.Configuration.GetSection(Dashboard.Records.RecordsOptions.Section));
builder.Services.AddSingleton<RecordsDatabase>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<RecordsDatabase>());
builder.Services.AddSingleton<AuditTrail>();
builder.Services.AddScoped<RecordsClient>();
builder.Services.Configure<Dashboard.Web.Notifications.NotificationsOptions>(builder.Configuration.GetSection(Dashboard.Web.Notifications.NotificationsOptions.Section));
builder.Services.AddSingleton(sp => new Dashboard.Web.Notifications.Notifier(
    sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Dashboard.Web.Notifications.NotificationsOptions>>(), sp.GetRequiredService<IConfiguration>(),
    sp.GetRequiredService<ILogger<Dashboard.Web.Notifications.Notifier>>(), mayNotify: () => sp.GetRequiredService<DashboardLeader>().IsLeader));
builder.Services.AddSingleton<DashboardLeader>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<DashboardLeader>());
builder.Services.AddHostedService(sp => sp.GetRequiredService<Dashboard.Web.Notifications.Notifier>());
builder.Services.AddSingleton<RolloutRecorder>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutRecorder>());
builder.Services.AddSingleton<RolloutGuardHost>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutGuardHost>());
builder.AddDashboardSecurity(ClusterConnection.ResolveFromEnvironment(builder.Configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions()));

var app = builder.Build();

if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseSecurityHeaders();
// The app's own files (styles, icons) are public: the sign-in page needs them before anyone signs in.
if (RepositoryWebRoot.Find(app.Environment.ContentRootPath) is { } webRoot)
    app.UseStaticFiles(new StaticFileOptions { FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(webRoot) });
else app.UseStaticFiles();
app.UseDashboardSecurity();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthChecks("/healthz").AllowAnonymous();
app.MapSignIn();
app.MapDashboardStats();
app.MapRecordsApi();
app.MapHub<PodsHub>(PodsHub.Path);
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>Running from source, the app's own static files are the repository's top-level wwwroot/.</summary>
static class RepositoryWebRoot
{
    public static string? Find(string contentRoot)
    {
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")) && Directory.Exists(Path.Combine(dir.FullName, "wwwroot")))
                return Path.Combine(dir.FullName, "wwwroot");
        return null;
    }
}

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
