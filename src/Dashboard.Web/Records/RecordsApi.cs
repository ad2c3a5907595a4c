using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Records;
using Dashboard.Web.Security;

namespace Dashboard.Web.Records;

/// <summary>
/// <c>GET /api/v1/rollouts</c> and <c>GET /api/v1/audit</c>: the records as JSON, or CSV with
/// <c>?format=csv</c>, behind the same sign-in as the pages, with the pages' filters, showing only
/// namespaces whose deployments the person may list.
/// </summary>
public static class RecordsApi
{
    public const int MaxLimit = 10_000;

    public sealed record AuditJson(long Id, string Person, string Action, string? Context, string Namespace, string Target, JsonElement? Inputs,
        DateTime At, DateTime? CompletedAt, string? Outcome, string? Message);

    public sealed record RolloutJson(long Id, string Context, string Namespace, string Kind, string Workload, long Revision, long? FromRevision,
        string? FromImages, string ToImages, string? ChangeCause, string StartedBy, DateTime StartedAt, DateTime? EndedAt, double? DurationSeconds,
        string Outcome, string? OutcomeDetail, DateTime? FirstFailureAt, string? ProbeVerdict, int ProbeOk, int ProbeFailed);

    public static void MapRecordsApi(this WebApplication app)
    {
        app.MapGet("/api/v1/audit", async (HttpContext http, RecordsDatabase database, PersonClients people, AccessReviews access,
            string? format, string? @namespace, string? target, string? person, string? action, string? since, int? limit, int? skip) =>
        {
            if (await VisibleAsync(http, database, people, access) is not { } visible) return Refusal(http, database);
            var (window, bad) = RecordFilters.Window(since);
            if (bad is not null) return Results.Problem(bad, statusCode: StatusCodes.Status400BadRequest);
            var page = await database.Store!.AuditPageAsync(new AuditQuery
            {
                Namespaces = visible, Namespace = @namespace, Target = target, Person = person, Action = action,
                Since = window is { } w ? DateTime.UtcNow - w : null, Skip = Math.Max(0, skip ?? 0), Take = Math.Clamp(limit ?? 500, 1, MaxLimit),
            }, http.RequestAborted);
            http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
            return format == "csv"
                ? Results.Text(Csv("id,at,completedAt,person,action,context,namespace,target,inputs,outcome,message", page.Items.Select(e => new[]
                {
                    Number(e.Id), Time(e.At), Time(e.CompletedAt), e.Person, e.Action, e.Context ?? "", e.Namespace, e.Target, e.Inputs ?? "", e.Outcome ?? "", e.Message ?? "",
                })), "text/csv; charset=utf-8")
                : Results.Json(page.Items.Select(ToJson));
        });

        app.MapGet("/api/v1/rollouts", async (HttpContext http, RecordsDatabase database, PersonClients people, AccessReviews access,
            string? format, string? @namespace, string? workload, string? outcome, string? person, string? since, long? revision, int? limit, int? skip) =>
        {
            if (await VisibleAsync(http, database, people, access) is not { } visible) return Refusal(http, database);
            var (window, badWindow) = RecordFilters.Window(since);
            var (parsed, badOutcome) = RecordFilters.Outcome(outcome);
            if ((badWindow ?? badOutcome) is { } bad) return Results.Problem(bad, statusCode: StatusCodes.Status400BadRequest);
            var page = await database.Store!.RolloutPageAsync(new RolloutQuery
            {
                Namespaces = visible, Namespace = @namespace, Workload = workload, Outcome = parsed, StartedBy = person, Revision = revision,
                Since = window is { } w ? DateTime.UtcNow - w : null, Skip = Math.Max(0, skip ?? 0), Take = Math.Clamp(limit ?? 500, 1, MaxLimit),
            }, http.RequestAborted);
            http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
            var rows = page.Items.Select(ToJson).ToList();
            return format == "csv"
                ? Results.Text(Csv("id,context,namespace,kind,workload,revision,fromRevision,fromImages,toImages,changeCause,startedBy,startedAt,endedAt,durationSeconds,outcome,outcomeDetail,firstFailureAt,probeVerdict,probeOk,probeFailed",
                    rows.Select(r => new[]
                    {
                        Number(r.Id), r.Context, r.Namespace, r.Kind, r.Workload, Number(r.Revision), r.FromRevision is { } f ? Number(f) : "", r.FromImages ?? "", r.ToImages,
                        r.ChangeCause ?? "", r.StartedBy, Time(r.StartedAt), Time(r.EndedAt), r.DurationSeconds?.ToString("0.###", CultureInfo.InvariantCulture) ?? "",
                        r.Outcome, r.OutcomeDetail ?? "", Time(r.FirstFailureAt), r.ProbeVerdict ?? "", Number(r.ProbeOk), Number(r.ProbeFailed),
                    })), "text/csv; charset=utf-8")
                : Results.Json(rows);
        });
    }

    /// <summary>The namespaces the signed-in person may see records of; null when they are not signed in or the records are not open.</summary>
    static async Task<IReadOnlyCollection<string>?> VisibleAsync(HttpContext http, RecordsDatabase database, PersonClients people, AccessReviews access)
    {
        if (database.Store is not { } store || people.For(http.User) is not { } person) return null;
        return [.. await access.VisibleNamespacesAsync(person, await store.NamespacesAsync(http.RequestAborted), http.RequestAborted)];
    }

    static IResult Refusal(HttpContext http, RecordsDatabase database) => database.Store is null
        ? Results.Problem($"Records are not available: {database.Status.LastError ?? "the records database is not open"}.", statusCode: StatusCodes.Status503ServiceUnavailable)
        : Results.Problem("Sign in first: the records show what the cluster lets you see.", statusCode: StatusCodes.Status401Unauthorized);

    static AuditJson ToJson(AuditEntry e) => new(e.Id, e.Person, e.Action, e.Context, e.Namespace, e.Target,
        e.Inputs is { Length: > 0 } inputs ? JsonDocument.Parse(inputs).RootElement.Clone() : null, Utc(e.At), Utc(e.CompletedAt), e.Outcome, e.Message);

    static RolloutJson ToJson(RolloutRecord r) => new(r.Id, r.Context, r.Namespace, r.Kind, r.Workload, r.Revision, r.FromRevision, r.FromImages, r.ToImages,
        r.ChangeCause, r.StartedBy, Utc(r.StartedAt), Utc(r.EndedAt), r.EndedAt is { } end ? (end - r.StartedAt).TotalSeconds : null,
        r.Outcome.ToString(), r.OutcomeDetail, Utc(r.FirstFailureAt), r.ProbeVerdict, r.ProbeOk, r.ProbeFailed);

    static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);
    static DateTime? Utc(DateTime? t) => t is { } v ? Utc(v) : null;
    static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
    static string Time(DateTime? t) => t is { } v ? Utc(v).ToString("O", CultureInfo.InvariantCulture) : "";

    /// <summary>RFC 4180: every field quoted, quotes doubled; a field a spreadsheet would run as a formula is prefixed with an apostrophe.</summary>
    static string Csv(string header, IEnumerable<string[]> rows)
    {
        var csv = new StringBuilder(header).Append("\r\n");
        foreach (var fields in rows) csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        return csv.ToString();

        static string Field(string value)
        {
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
            return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
    }
}
