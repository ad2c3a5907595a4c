using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Records;
using Dashboard.Web.Security;

namespace Dashboard.Web.Records;

/// <summary>
/// <c>GET /api/v1/audit</c>: the audit trail as JSON, or CSV with <c>?format=csv</c>, behind the same
/// sign-in as the pages and showing only namespaces whose deployments the person may list.
/// </summary>
public static class RecordsApi
{
    public const int MaxLimit = 10_000;

    public sealed record AuditJson(long Id, string Person, string Action, string? Context, string Namespace, string Target, JsonElement? Inputs,
        DateTime At, DateTime? CompletedAt, string? Outcome, string? Message);

    public static void MapRecordsApi(this WebApplication app) => app.MapGet("/api/v1/audit",
        async (HttpContext http, AuditTrail audit, PersonClients people, AccessReviews access, string? format, string? @namespace, int? limit) =>
        {
            if (audit.Store is not { } store)
                return Results.Problem("Records are not being saved: the records database is not open.", statusCode: StatusCodes.Status503ServiceUnavailable);
            if (people.For(http.User) is not { } person)
                return Results.Problem("Sign in first: the audit trail shows what the cluster lets you see.", statusCode: StatusCodes.Status401Unauthorized);
            var entries = await store.AuditAsync(@namespace is { Length: > 0 } ns ? [ns] : null, Math.Clamp(limit ?? 500, 1, MaxLimit), http.RequestAborted);
            var visible = await access.VisibleNamespacesAsync(person, entries.Select(e => e.Namespace), http.RequestAborted);
            var shown = entries.Where(e => visible.Contains(e.Namespace)).ToList();
            return format == "csv" ? Results.Text(Csv(shown), "text/csv; charset=utf-8") : Results.Json(shown.Select(ToJson));
        });

    static AuditJson ToJson(AuditEntry e) => new(e.Id, e.Person, e.Action, e.Context, e.Namespace, e.Target,
        e.Inputs is { Length: > 0 } inputs ? JsonDocument.Parse(inputs).RootElement.Clone() : null, e.At, e.CompletedAt, e.Outcome, e.Message);

    /// <summary>RFC 4180: every field quoted, quotes doubled; a field a spreadsheet would run as a formula is prefixed with an apostrophe.</summary>
    static string Csv(IEnumerable<AuditEntry> entries)
    {
        var csv = new StringBuilder("id,at,completedAt,person,action,context,namespace,target,inputs,outcome,message\r\n");
        foreach (var e in entries)
        {
            string[] fields = [e.Id.ToString(CultureInfo.InvariantCulture), Time(e.At), e.CompletedAt is { } c ? Time(c) : "", e.Person, e.Action, e.Context ?? "",
                e.Namespace, e.Target, e.Inputs ?? "", e.Outcome ?? "", e.Message ?? ""];
            csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        }
        return csv.ToString();

        static string Time(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
        static string Field(string value)
        {
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
            return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
    }
}
