using Bunit;
using Dashboard.Web.Model;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Dashboard.Web.Tests;

/// <summary>
/// A bUnit context with MudBlazor's real services and providers (popovers, dialogs). MudBlazor's services
/// dispose asynchronously, so the context is owned here and disposed async.
/// </summary>
public abstract class MudTestContext : IAsyncLifetime
{
    protected BunitContext Ctx { get; } = new();

    /// <summary>Where dialogs render.</summary>
    protected IRenderedComponent<MudDialogProvider> DialogHost { get; private set; } = null!;

    protected FakeDashboardClient Use(FakeDashboardClient client)
    {
        Use((IDashboardClient)client);
        return client;
    }

    /// <summary>Components render against <paramref name="client"/>: a fake, or the app's real one.</summary>
    protected void Use(IDashboardClient client)
    {
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.Services.AddMudServices(o => o.SnackbarConfiguration.ShowTransitionDuration = 0);
        Ctx.Services.AddSingleton<IDashboardClient>(client);
        Ctx.Services.AddSingleton(TimeProvider.System);
        // The records on a SQLite file of the test's own, opened only by a test that renders them.
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton(Ctx.Services, _ =>
        {
            var database = new Dashboard.Web.Records.RecordsDatabase(
                Microsoft.Extensions.Options.Options.Create(new Dashboard.Records.RecordsOptions()),
                Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), new Dictionary<string, string?>
                {
                    ["Dashboard:DataPath"] = Path.Combine(Path.GetTempPath(), "bunit-records", Guid.NewGuid().ToString("N")),
                }).Build(),
                TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Dashboard.Web.Records.RecordsDatabase>.Instance);
            database.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            return database;
        });
        Ctx.Services.AddSingleton<Dashboard.Web.Records.AuditTrail>();
        Ctx.Services.AddScoped<Dashboard.Web.Records.RecordsClient>();
        Ctx.Services.AddLogging();
        // As in a live circuit; prerendering is specified by its own tests.
        Ctx.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        Ctx.Render<MudPopoverProvider>();
        DialogHost = Ctx.Render<MudDialogProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Ctx.DisposeAsync();
}
