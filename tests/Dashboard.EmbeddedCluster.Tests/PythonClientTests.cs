using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>The official Python client (Debian's python3-kubernetes, installed when missing) against the embedded cluster.</summary>
public class PythonClientTests
{
    const string Python = "/usr/bin/python3";

    [Fact]
    public async Task Paging_dry_runs_error_bodies_watches_scale_and_patches_answer_as_kube_apiserver()
    {
        await DebianPackages.EnsureAsync("python3-kubernetes", () => Directory.Exists("/usr/lib/python3/dist-packages/kubernetes"));
        await using var cluster = await TestCluster.StartAsync();
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);

        var spec = Path.Combine(AppContext.BaseDirectory, "python", "client_spec.py");
        var result = await Processes.RunAsync(Python, [spec], timeout: TimeSpan.FromMinutes(2), environment: new() { ["KUBECONFIG"] = cluster.Kubeconfig });

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(["ok paging", "ok dry run", "ok error bodies", "ok watch", "ok scale", "ok patches", "ok delete"],
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
