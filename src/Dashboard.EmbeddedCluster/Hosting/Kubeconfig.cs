namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>Writes a kubeconfig for the embedded cluster so kubectl (and the dashboard) can reach it.</summary>
public static class Kubeconfig
{
    public const string ContextName = "embedded";

    /// <param name="certificateAuthority">PEM of the API server's certificate when it serves HTTPS.</param>
    public static string Render(Uri server, string adminToken, string? certificateAuthority = null) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {{ContextName}}
          cluster:
            server: {{server.ToString().TrimEnd('/')}}{{(certificateAuthority is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificateAuthority))}")}}
        users:
        - name: {{ContextName}}-admin
          user:
            token: {{adminToken}}
        contexts:
        - name: {{ContextName}}
          context:
            cluster: {{ContextName}}
            user: {{ContextName}}-admin
            namespace: default
        current-context: {{ContextName}}
        preferences: {}

        """;

    /// <summary>Writes the kubeconfig readable by its owner alone (0600): it holds the cluster admin's token.</summary>
    public static string Write(string path, Uri server, string adminToken, string? certificateAuthority = null)
    {
        var full = Path.GetFullPath(path);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home) && full == Path.GetFullPath(Path.Combine(home, ".kube", "config")))
            throw new InvalidOperationException("The embedded cluster never writes ~/.kube/config; choose another EmbeddedCluster__KubeconfigPath.");
        var dir = Path.GetDirectoryName(full)!;
        var text = Render(server, adminToken, certificateAuthority);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(full, text);
            return full;
        }
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, OwnerOnly | UnixFileMode.UserExecute);
        // Written beside, then moved over: the token is never in a file anyone else may read, not even for a moment.
        var temporary = full + $".{Environment.ProcessId}.tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
        using (var writer = new StreamWriter(file))
            writer.Write(text);
        File.SetUnixFileMode(temporary, OwnerOnly);
        File.Move(temporary, full, overwrite: true);
        return full;
    }
}
