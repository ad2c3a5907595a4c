namespace Dashboard.Web.Security;

public enum AuthMode { None, Token, Oidc }

/// <summary>How people sign in (<c>Auth__Mode</c> and friends).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Unset means None, which is accepted only for the embedded cluster on loopback.</summary>
    public AuthMode? Mode { get; set; }

    /// <summary>Origins other than the dashboard's own allowed to open the Blazor and hub connections (a reverse proxy's public name).</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>How often an open page checks that its person may still sign in.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(3);

    public OidcOptions Oidc { get; set; } = new();
}

public sealed class OidcOptions
{
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>For identity providers without discovery: their authorization and token endpoints.</summary>
    public string? AuthorizationEndpoint { get; set; }
    public string? TokenEndpoint { get; set; }
    /// <summary>The claim naming the person (what RBAC bindings name as User).</summary>
    public string UsernameClaim { get; set; } = "email";
    public string GroupsClaim { get; set; } = "groups";
    /// <summary>Only these groups are carried into impersonation (what the dashboard's service account may impersonate).</summary>
    public string[] Groups { get; set; } = [];
}
