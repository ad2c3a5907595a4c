using System.Net;
using System.Runtime.CompilerServices;
using Dashboard.ClusterServices.Model;
using Dashboard.EmbeddedCluster.Printing;
using Dashboard.Web.Model;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A pod row as HTML (<c>tr</c> with <c>data-pod</c>, <c>data-status</c>, <c>data-ready</c> and its cells),
/// made once per pod version (and age, and revision label) and shared by every page that shows that
/// pod: a row of elements cost each open page about 40 render frames per pod, kept twice; a row of
/// markup costs one frame holding a shared string. Rows are not keyed: a row that changes is replaced.
/// </summary>
public static class PodRowMarkup
{
    sealed class Cells
    {
        public long Revision;
        public bool IsNew;
        public string? Age;
        public string? Html;
    }

    // Keyed by the shared cache's PodView instance: a new version of the pod is a new key, and the old entry goes with it.
    static readonly ConditionalWeakTable<PodView, Cells> Made = new();

    public static string Of(PodRow row, DateTime now)
    {
        var age = KubectlFormat.Age(row.Pod.CreatedAt?.UtcDateTime, now);
        var cells = Made.GetValue(row.Pod, static _ => new Cells());
        lock (cells)
        {
            if (cells.Html is null || cells.Age != age || cells.IsNew != row.IsNew || cells.Revision != row.Revision)
            {
                cells.Html = Build(row, age);
                cells.Age = age;
                cells.IsNew = row.IsNew;
                cells.Revision = row.Revision;
            }
            return cells.Html;
        }
    }

    static string Encode(string text) => WebUtility.HtmlEncode(text);

    static string Build(PodRow row, string age)
    {
        var p = row.Pod;
        return $"<tr data-pod=\"{Encode(p.Name)}\" data-status=\"{Encode(p.Status)}\" data-ready=\"{(p.Ready ? "true" : "false")}\" class=\"{(p.IsTerminating ? "terminating" : row.IsNew ? "new" : "old")}\">" +
               $"<td class=\"mono\">{Encode(p.Name)}</td>" +
               $"<td><span class=\"revision-tag {(row.IsNew ? "new" : "old")}\">{row.Revision}</span></td>" +
               $"<td>{PodStatus.Markup(p.Status, p.Ready)}</td>" +
               $"<td class=\"numeric\">{Encode(p.ReadyText)}</td>" +
               $"<td class=\"numeric\">{p.Restarts}</td>" +
               $"<td>{Encode(age)}</td>" +
               $"<td class=\"mono\">{Encode(p.Node ?? "–")}</td></tr>";
    }
}
