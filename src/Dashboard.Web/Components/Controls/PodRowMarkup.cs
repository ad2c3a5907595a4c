using System.Net;
using Dashboard.ClusterServices.Model;
using Dashboard.Web.Model;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A pod row as HTML (<c>tr</c> with <c>data-pod</c>, <c>data-status</c>, <c>data-ready</c> and its cells),
/// made once per pod version, revision label and stretch of its age (<see cref="AgeMarkup.Stretch"/>) and shared by every page that shows that pod.
/// Rows are not keyed: a row that changes is replaced.
/// </summary>
public static class PodRowMarkup
{
    static readonly SharedMarkup<PodView, (long Revision, bool IsNew, (int, long) AgeStretch)> Rows = new(Build);

    public static string Of(PodRow row, DateTime now) =>
        Rows.Of(row.Pod, (row.Revision, row.IsNew, AgeMarkup.Stretch(row.Pod.CreatedAt?.UtcDateTime, now)), now);

    static string Encode(string text) => WebUtility.HtmlEncode(text);

    static string Build(PodView p, (long Revision, bool IsNew, (int, long) AgeStretch) row, DateTime now) =>
        $"<tr data-pod=\"{Encode(p.Name)}\" data-status=\"{Encode(p.Status)}\" data-ready=\"{(p.Ready ? "true" : "false")}\" class=\"{(p.IsTerminating ? "terminating" : row.IsNew ? "new" : "old")}\">" +
        $"<td class=\"mono\">{Encode(p.Name)}</td>" +
        $"<td><span class=\"revision-tag {(row.IsNew ? "new" : "old")}\">{row.Revision}</span></td>" +
        $"<td>{PodStatus.Markup(p.Status, p.Ready)}</td>" +
        $"<td class=\"numeric\">{Encode(p.ReadyText)}</td>" +
        $"<td class=\"numeric\">{p.Restarts}</td>" +
        $"<td>{AgeMarkup.Time(p.CreatedAt?.UtcDateTime, now)}</td>" +
        $"<td class=\"mono\">{Encode(p.Node ?? "–")}</td></tr>";
}
