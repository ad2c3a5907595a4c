using System.Security.Claims;

namespace Dashboard.Web.Security;

/// <summary>Who an identity provider's sign-in makes a person, or why it makes nobody.</summary>
public sealed record OidcPerson(string? Name, IReadOnlyList<string> Groups, string? Refusal);

/// <summary>
/// The rules that turn an identity provider's claims into the Kubernetes user the dashboard
/// impersonates, as kube-apiserver's own OIDC authenticator applies them: the username claim must be
/// there (no "unknown" person), an email username needs <c>email_verified</c> not false, the username
/// and groups get their configured prefixes, and nobody becomes a <c>system:</c> user or carries a
/// <c>system:</c> group (the service account may impersonate any user, so this is where that stops).
/// Only the configured groups travel; none when none are configured.
/// </summary>
public static class OidcAdmission
{
    public static OidcPerson Admit(ClaimsPrincipal principal, OidcOptions options)
    {
        var claim = options.UsernameClaim;
        var raw = principal.FindFirst(claim)?.Value?.Trim();
        if (string.IsNullOrEmpty(raw))
            return new(null, [], $"The identity provider did not say who you are: its answer has no \"{claim}\" claim, which names you in the cluster.");
        if (claim == "email" && principal.FindFirst("email_verified")?.Value is { } verified && !(bool.TryParse(verified, out var isVerified) && isVerified))
            return new(null, [], $"The identity provider has not verified the email address {raw}, so it cannot name you in the cluster.");
        var name = options.UsernamePrefix + raw;
        if (name.StartsWith("system:", StringComparison.Ordinal) || name.Any(char.IsControl))
            return new(null, [], $"\"{Printable(name)}\" is a name reserved for the cluster's own components; the dashboard does not act as it.");
        var groups = principal.FindAll(options.GroupsClaim).Select(c => c.Value)
            .Where(g => options.Groups.Contains(g, StringComparer.Ordinal))
            .Select(g => options.GroupsPrefix + g)
            .Where(g => !g.StartsWith("system:", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).ToList();
        return new(name, groups, null);
    }

    static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
