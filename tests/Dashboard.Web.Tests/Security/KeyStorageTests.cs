using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using Dashboard.Web.Security;
using k8s;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>Data-protection keys (sign-in cookies, antiforgery) kept in a Kubernetes Secret: shared by replicas, kept over restarts.</summary>
public sealed class KeyStorageTests
{
    static IDataProtector Replica(IKubernetes client)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName(KeyStorage.ApplicationName);
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new KubernetesSecretXmlRepository(() => client, "default", "rollout-dashboard-dataprotection", NullLogger<KubernetesSecretXmlRepository>.Instance));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies");
    }

    [Fact]
    public async Task A_cookie_protected_by_one_replica_is_read_by_another_and_after_a_restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var cluster = new EmbeddedClusterHost(new EmbeddedClusterOptions { ApiUrl = "http://127.0.0.1:0", KubeconfigPath = Path.Combine(dir, "kubeconfig"), Seed = false, DataPlane = false });
        await cluster.StartAsync();
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));

        var first = Replica(client);
        var cookie = first.Protect("alice's session");
        var second = Replica(client);
        var restarted = Replica(client);

        Assert.Equal("alice's session", second.Unprotect(cookie));
        Assert.Equal("alice's session", restarted.Unprotect(cookie));
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("rollout-dashboard-dataprotection", "default");
        var key = Assert.Single(secret.Data);
        Assert.StartsWith("key-", key.Key);
        Assert.Contains("<key ", System.Text.Encoding.UTF8.GetString(key.Value));
    }
}
