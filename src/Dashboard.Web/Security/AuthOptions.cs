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

    /// <summary>How long a sign-in lasts, however active the person is; then open pages end and sign-in is asked again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

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
    /// <summary>
    /// Only these groups are carried into impersonation (what the dashboard's service account may impersonate);
    /// empty: none, users only. A <c>system:</c> group is never carried.
    /// </summary>
    public string[] Groups { get; set; } = [];

    /// <summary>Put before every username, as kube-apiserver's <c>--oidc-username-prefix</c> (for example <c>oidc:</c>), so no provider account can be named like a cluster user.</summary>
    public string UsernamePrefix { get; set; } = "";

    /// <summary>Put before every carried group, as <c>--oidc-groups-prefix</c>; the names in <see cref="Groups"/> are the provider's, without it.</summary>
    public string GroupsPrefix { get; set; } = "";
}
