using System.Net;
using Dashboard.ClusterServices.Model;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// An event as HTML (<c>li</c> with <c>data-event-reason</c>), made once per event version and stretch of its age and
/// shared by every page that lists it. Reason, object and message are the cluster's text, so all of it
/// is encoded: an event message holding <c>&lt;script&gt;</c> shows as text.
/// </summary>
public static class EventRowMarkup
{
    static readonly SharedMarkup<EventView, (int, long)> Rows = new(Build);

    public static string Of(EventView e, DateTime now) => Rows.Of(e, AgeMarkup.Stretch(e.LastSeen?.UtcDateTime, now), now);

    static string Encode(string text) => WebUtility.HtmlEncode(text);

    static string Build(EventView e, (int, long) ageStretch, DateTime now) =>
        $"<li data-event-reason=\"{Encode(e.Reason)}\" class=\"{(e.Type == "Warning" ? "warning" : "normal")}\">" +
        "<div class=\"event-head\">" +
        $"<b>{Encode(e.Reason)}</b>" +
        $"<span class=\"mono event-object\">{Encode(e.InvolvedKind.ToLowerInvariant())}/{Encode(e.InvolvedName)}</span>" +
        "<div class=\"flex-grow-1\"></div>" +
        $"<span class=\"subtle\">{AgeMarkup.Time(e.LastSeen?.UtcDateTime, now)}{(e.Count > 1 ? $" · x{e.Count}" : "")}</span>" +
        "</div>" +
        $"<div class=\"event-message\">{Encode(e.Message)}</div></li>";
}
