using System.Globalization;
using System.Net;
using System.Text;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A line chart as one piece of HTML and SVG: y labels, the plot (a polyline per series over a light
/// grid), x labels and a legend. One render frame, no component or event handler per point: a chart
/// of components held about 300 KB per open page, which every browser tab paid.
/// </summary>
public static class LineChartMarkup
{
    const double Width = 1000, Height = 100;

    public static string Build(IReadOnlyList<string> labels, IReadOnlyList<(string Name, double[] Values)> series, IReadOnlyList<string> palette)
    {
        var count = Math.Max(labels.Count, series.Select(s => s.Values.Length).DefaultIfEmpty(0).Max());
        var top = NiceCeiling(series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(0).Max());
        var html = new StringBuilder(256 + count * series.Count * 12);
        html.Append("<div class=\"lc-body\"><div class=\"lc-y\"><span>").Append(Number(top)).Append("</span><span>")
            .Append(Number(top / 2)).Append("</span><span>0</span></div><div class=\"lc-plot\">")
            .Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {Width} {Height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"")
            .Append(Encode(string.Join(", ", series.Select(s => s.Name)))).Append("\">");
        foreach (var y in new[] { 0, Height / 2, Height })
            html.Append(CultureInfo.InvariantCulture, $"<line class=\"lc-grid\" x1=\"0\" x2=\"{Width}\" y1=\"{y}\" y2=\"{y}\" vector-effect=\"non-scaling-stroke\"/>");
        for (var s = 0; s < series.Count; s++)
        {
            var values = series[s].Values;
            if (values.Length == 0) continue;
            html.Append("<polyline fill=\"none\" stroke-width=\"2.5\" stroke-linejoin=\"round\" vector-effect=\"non-scaling-stroke\" stroke=\"")
                .Append(Encode(Colour(palette, s))).Append("\" points=\"");
            for (var i = 0; i < values.Length; i++)
            {
                var x = values.Length == 1 ? Width / 2 : i * Width / (count - 1);
                var y = Height - (double.IsFinite(values[i]) ? Math.Clamp(values[i], 0, top) : 0) / top * Height;
                html.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
            }
            html.Append("\"><title>").Append(Encode(series[s].Name)).Append("</title></polyline>");
        }
        html.Append("</svg></div><div></div><div class=\"lc-x\">");
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.IsNullOrEmpty(labels[i])) continue;
            var left = count <= 1 ? 50 : i * 100.0 / (count - 1);
            html.Append(CultureInfo.InvariantCulture, $"<span style=\"left:{left:0.##}%\">").Append(Encode(labels[i])).Append("</span>");
        }
        html.Append("</div></div><div class=\"lc-legend\">");
        for (var s = 0; s < series.Count; s++)
            html.Append("<span><i style=\"background:").Append(Encode(Colour(palette, s))).Append("\"></i>").Append(Encode(series[s].Name)).Append("</span>");
        return html.Append("</div>").ToString();
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 times a power of ten at or above the highest value (at least 1), so the grid reads in round numbers.</summary>
    public static double NiceCeiling(double max)
    {
        if (!(max > 1)) return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * power >= max) return step * power;
        return 10 * power;
    }

    static string Colour(IReadOnlyList<string> palette, int index) => palette.Count == 0 ? "currentColor" : palette[index % palette.Count];

    static string Number(double value) => value.ToString(value == Math.Floor(value) ? "0" : "0.#", CultureInfo.InvariantCulture);

    static string Encode(string text) => WebUtility.HtmlEncode(text);
}
