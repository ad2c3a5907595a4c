using System.Globalization;
using System.Net;
using Dashboard.Kubernetes;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// An age as kubectl words it, in a <c>time</c> element the browser keeps current (<c>wwwroot/ages.js</c>
/// rewrites every <c>time.age</c> from its <c>datetime</c> whenever the page changes and every 5 s, with
/// the browser's clock, as kubectl uses its own). The server's text is only what a page shows before its
/// scripts run.
/// </summary>
public static class AgeMarkup
{
    public static string Time(DateTime? since, DateTime now) => since is { } t
        ? $"<time class=\"age\" datetime=\"{Iso(t)}\">{WebUtility.HtmlEncode(KubectlFormat.Age(t, now))}</time>"
        : "<time class=\"age\">&lt;unknown&gt;</time>";

    static string Iso(DateTime since) =>
        DateTime.SpecifyKind(since, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// Which stretch of a thing's life <paramref name="now"/> falls in, coarser as it ages (30 s for a new
    /// pod, 2 minutes for a 5-minute-old one, 6 h for a week-old one). Markup shared by every page is remade when this changes, not every
    /// time kubectl's text would: pages opened minutes apart then share one row instead of keeping one
    /// each (ages in the browser tick on regardless).
    /// </summary>
    public static (int Step, long Index) Stretch(DateTime? since, DateTime now)
    {
        if (since is not { } t) return (0, 0);
        var seconds = Math.Max(0, (long)(now - DateTime.SpecifyKind(t, DateTimeKind.Utc)).TotalSeconds);
        var step = seconds switch
        {
            < 120 => 30,
            < 600 => 120,
            < 3 * 3600 => 900,
            < 48 * 3600 => 3600,
            _ => 6 * 3600,
        };
        return (step, seconds / step);
    }
}
