using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dashboard.Web.Tests;

public static class TestApp
{
    /// <summary>The app on a private embedded cluster at a free port, its kubeconfig under <paramref name="dir"/>.</summary>
    public static WebApplicationFactory<Program> OnEmbeddedCluster(string dir, double timeScale = 1.0) => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
    {
        b.UseSetting("Cluster:Mode", "Embedded");
        b.UseSetting("EmbeddedCluster:ApiUrl", "http://127.0.0.1:0");
        b.UseSetting("EmbeddedCluster:KubeconfigPath", Path.Combine(dir, "kubeconfig"));
        b.UseSetting("EmbeddedCluster:TimeScale", timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture));
    });
}
