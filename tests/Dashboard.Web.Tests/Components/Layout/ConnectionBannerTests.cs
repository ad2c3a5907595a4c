using Bunit;
using Dashboard.ClusterServices.Caching;
using Dashboard.Web.Components.Layout;

namespace Dashboard.Web.Tests;

public sealed class ConnectionBannerTests : MudTestContext
{
    [Fact]
    public void A_lost_cluster_connection_shows_a_banner_that_goes_away_by_itself_when_it_is_back()
    {
        var client = Use(new FakeDashboardClient([], []));
        var banner = Ctx.Render<ConnectionBanner>();
        Assert.Empty(banner.FindAll("[data-connection]"));

        client.SetHealth(new ClusterHealth(CacheConnection.Reconnecting, DateTimeOffset.Now.AddSeconds(-20), "Connection refused (127.0.0.1:6443)", ["pods"]));
        banner.WaitForAssertion(() =>
        {
            var alert = banner.Find("[data-connection='Reconnecting']");
            Assert.Equal("alert", alert.GetAttribute("role"));
            Assert.Contains("reconnecting", alert.TextContent);
            Assert.Contains("Connection refused", alert.TextContent);
        });

        client.SetHealth(new ClusterHealth(CacheConnection.Live, DateTimeOffset.Now, null, []));
        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-connection]")));
    }
}
