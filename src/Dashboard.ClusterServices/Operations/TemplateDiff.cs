using k8s;
using k8s.Models;

namespace Dashboard.ClusterServices.Operations;

/// <summary>A readable line diff of two pod templates, as YAML without the pod-template-hash label.</summary>
public static class TemplateDiff
{
    public static string Render(V1PodTemplateSpec template)
    {
        var copy = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(template));
        copy.Metadata?.Labels?.Remove("pod-template-hash");
        return KubernetesYaml.Serialize(copy).TrimEnd() + "\n";
    }

    /// <summary>Lines prefixed "- " (only in <paramref name="from"/>), "+ " (only in <paramref name="to"/>) or "  ".</summary>
    public static string Diff(string from, string to)
    {
        var a = from.Split('\n');
        var b = to.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { lines.Add("  " + a[x]); x++; y++; }
            else if (lcs[x + 1, y] >= lcs[x, y + 1]) lines.Add("- " + a[x++]);
            else lines.Add("+ " + b[y++]);
        }
        while (x < a.Length) lines.Add("- " + a[x++]);
        while (y < b.Length) lines.Add("+ " + b[y++]);
        return string.Join('\n', lines.Where(l => l.Trim().Length > 0));
    }

    public static bool HasChanges(string diff) => diff.Split('\n').Any(l => l.StartsWith("+ ", StringComparison.Ordinal) || l.StartsWith("- ", StringComparison.Ordinal));
}
