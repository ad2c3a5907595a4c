using System.Runtime.CompilerServices;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// HTML made once per version of a cached view (and per variant, such as its age text) and shared by
/// every page that shows it. A row built of elements costs each open page dozens of render frames,
/// kept twice (current and previous tree); a row of markup costs one frame pointing at a shared string.
/// </summary>
/// <remarks>
/// Keyed by the shared cache's view instance: a new version of the object is a new instance, and the
/// markup of the old one goes with it. Views are compared by reference, never by value.
/// </remarks>
public sealed class SharedMarkup<TView, TVariant>(Func<TView, TVariant, DateTime, string> build) where TView : class
{
    sealed class Made
    {
        public TVariant? Variant;
        public string? Html;
    }

    readonly ConditionalWeakTable<TView, Made> _made = new();

    /// <summary>The markup of <paramref name="view"/> in <paramref name="variant"/>, made at <paramref name="now"/> if no page has made it yet.</summary>
    public string Of(TView view, TVariant variant, DateTime now)
    {
        var made = _made.GetValue(view, static _ => new Made());
        lock (made)
        {
            if (made.Html is null || !EqualityComparer<TVariant>.Default.Equals(made.Variant, variant))
            {
                made.Html = build(view, variant, now);
                made.Variant = variant;
            }
            return made.Html;
        }
    }
}
