using System.Text;
using System.Xml.Linq;
using Dashboard.ClusterServices.Caching;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>Where the keys that protect sign-in cookies and antiforgery tokens are kept (<c>DataProtection__*</c>).</summary>
public sealed class KeyStorageOptions
{
    public const string Section = "DataProtection";

    /// <summary>
    /// A Kubernetes Secret holding the key ring (the chart's <c>&lt;release&gt;-dataprotection</c>): every replica
    /// reads and writes the same keys, and they outlive a restart.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>The Secret's namespace; default: the pod's own (its service account's).</summary>
    public string? Namespace { get; set; }

    /// <summary>Without a Secret: a folder only the dashboard's user may read (default ~/.local/share/rollout-dashboard/keys).</summary>
    public string? Path { get; set; }
}

public static class KeyStorage
{
    /// <summary>One name for every replica: data protection isolates key rings by application name.</summary>
    public const string ApplicationName = "rollout-dashboard";

    public static WebApplicationBuilder AddDashboardKeyStorage(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(KeyStorageOptions.Section).Get<KeyStorageOptions>() ?? new KeyStorageOptions();
        var protection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        if (!string.IsNullOrEmpty(options.Secret))
        {
            var ns = options.Namespace ?? ServiceAccountNamespace()
                ?? throw new InvalidOperationException("DataProtection__Secret is set but not DataProtection__Namespace, and no service account namespace is mounted.");
            builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
                o.XmlRepository = new KubernetesSecretXmlRepository(() => sp.GetRequiredService<IKubernetesClientProvider>().Read, ns, options.Secret, sp.GetRequiredService<ILogger<KubernetesSecretXmlRepository>>())));
            return builder;
        }
        var path = options.Path ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "rollout-dashboard", "keys");
        var folder = OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        protection.PersistKeysToFileSystem(folder);
        return builder;
    }

    static string? ServiceAccountNamespace()
    {
        const string file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }
}

/// <summary>
/// The data-protection key ring in one Kubernetes Secret, one data entry per key. Each write is a
/// read-modify-replace on the Secret's resourceVersion, so replicas adding keys at once never lose one.
/// The dashboard needs get and update on this one Secret by name, nothing else of Secrets.
/// </summary>
public sealed class KubernetesSecretXmlRepository(Func<IKubernetes> client, string ns, string name, ILogger<KubernetesSecretXmlRepository> logger) : IXmlRepository
{
    const string Prefix = "key-";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var secret = Read();
        return secret?.Data is null
            ? []
            : secret.Data.Where(d => d.Key.StartsWith(Prefix, StringComparison.Ordinal)).OrderBy(d => d.Key, StringComparer.Ordinal)
                .Select(d => XElement.Parse(Encoding.UTF8.GetString(d.Value))).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var key = Prefix + new string(friendlyName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').ToArray()) + ".xml";
        var bytes = Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting));
        for (var attempt = 1; ; attempt++)
        {
            var secret = Read();
            try
            {
                if (secret is null)
                {
                    client().CoreV1.CreateNamespacedSecret(new V1Secret
                    {
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "dataprotection" } },
                        Type = "Opaque",
                        Data = new Dictionary<string, byte[]> { [key] = bytes },
                    }, ns);
                }
                else
                {
                    secret.Data ??= new Dictionary<string, byte[]>();
                    secret.Data[key] = bytes;
                    client().CoreV1.ReplaceNamespacedSecret(secret, name, ns);
                }
                logger.LogInformation("Stored data-protection key {Key} in Secret {Namespace}/{Name}", key, ns, name);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
                // Another replica wrote first: read again and add this key to what it wrote.
            }
        }
    }

    V1Secret? Read()
    {
        try
        {
            return client().CoreV1.ReadNamespacedSecret(name, ns);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
