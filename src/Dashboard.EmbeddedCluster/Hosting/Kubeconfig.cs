namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>Writes a kubeconfig for the embedded cluster so kubectl (and the dashboard) can reach it.</summary>
public static class Kubeconfig
{
    public const string ContextName = "embedded";

    /// <param name="certificateAuthority">PEM of the API server's certificate when it serves HTTPS.</param>
    public static string Render(Uri server, string? certificateAuthority = null) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{ContextName}}
          cluster:
            server: {{server.ToString().TrimEnd('/')}}{{(certificateAuthority is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificateAuthority))}")}}
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

    public static string Write(string path, Uri server, string? certificateAuthority = null)
    {
        var full = Path.GetFullPath(path);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home) && full == Path.GetFullPath(Path.Combine(home, ".kube", "config")))
            throw new InvalidOperationException("The embedded cluster never writes ~/.kube/config; choose another EmbeddedCluster__KubeconfigPath.");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, Render(server, certificateAuthority));
        return full;
    }
}
