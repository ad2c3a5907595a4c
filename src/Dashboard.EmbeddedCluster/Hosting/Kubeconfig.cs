namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>Writes a kubeconfig for the embedded cluster so kubectl (and the dashboard) can reach it.</summary>
public static class Kubeconfig
{
    public const string ContextName = "embedded";

    public static string Render(Uri server) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{ContextName}}
          cluster:
            server: {{server.ToString().TrimEnd('/')}}
        users:
        - name: {{ContextName}}-admin
          user:
            token: embedded-admin
        contexts:
        - name: {{ContextName}}
          context:
            cluster: {{ContextName}}
            user: {{ContextName}}-admin
            namespace: default
        current-context: {{ContextName}}
        preferences: {}

        """;

    public static string Write(string path, Uri server)
    {
        var full = Path.GetFullPath(path);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home) && full == Path.GetFullPath(Path.Combine(home, ".kube", "config")))
            throw new InvalidOperationException("The embedded cluster never writes ~/.kube/config; choose another EmbeddedCluster__KubeconfigPath.");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, Render(server));
        return full;
    }
}
