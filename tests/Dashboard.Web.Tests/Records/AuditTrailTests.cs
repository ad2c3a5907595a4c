using Dashboard.ClusterServices.Operations;
using Dashboard.Web.Model;
using Dashboard.Web.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class AuditTrailTests
{
    [Fact]
    public async Task A_records_file_that_is_not_a_database_stops_the_start_with_a_clear_message()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        await File.WriteAllTextAsync(Path.Combine(dir, "data", "records.db"), "not a database".PadRight(4096, '-'));
        await using var factory = TestApp.OnEmbeddedCluster(dir, timeScale: 0.2);

        var refused = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("is not a database", refused.ToString());
    }

    [Fact]
    public async Task Without_sign_in_the_dashboards_actions_are_recorded_as_its_own_with_their_inputs()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var factory = TestApp.OnEmbeddedCluster(dir, timeScale: 0.2);
        factory.CreateClient().Dispose();
        using var scope = factory.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<IDashboardClient>();

        var scaled = await client.ExecuteAsync(new Scale("default", "flask-app", 3));
        var missing = await client.ExecuteAsync(new Rollback("default", "flask-app", 99));
        await client.ExecuteAsync(new Diff("default", "flask-app", 1));

        Assert.Equal(OperationOutcome.Succeeded, scaled.Outcome);
        var entries = await factory.Services.GetRequiredService<AuditTrail>().Store!.AuditAsync();
        // Reads are not actions: the diff is not in the trail.
        Assert.Equal(["Rollback", "Scale"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal("dashboard-user", e.Person));
        Assert.Contains("\"replicas\":3", entries[1].Inputs);
        Assert.Equal((missing.Outcome.ToString(), missing.Message), (entries[0].Outcome, entries[0].Message));
    }
}
