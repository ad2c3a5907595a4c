using System.Security.Claims;

namespace Dashboard.Web.Security;

/// <summary>When a sign-in ends: <see cref="AuthOptions.SessionLifetime"/> after it, written into the person's claims.</summary>
public static class Sessions
{
    /// <summary>The end of a session starting now, as the claim stores it.</summary>
    public static string SessionEnd(HttpContext context, AuthOptions auth) =>
        (context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + auth.SessionLifetime).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether a signed-in person's session has run its <see cref="AuthOptions.SessionLifetime"/> out.</summary>
    public static bool SessionEnded(ClaimsPrincipal user, DateTimeOffset now) =>
        user.FindFirst(PersonClaims.Expires)?.Value is not { } expires
        || !DateTimeOffset.TryParse(expires, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var end)
        || now >= end;
}
