using Dashboard.Kubernetes;
using System.Security.Claims;
using Dashboard.Web.Cluster;
using Dashboard.Web.Components.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Dashboard.Web.Security;

/// <summary>
/// The sign-in wiring per <c>Auth__Mode</c>: the start-up checks (<see cref="StartupChecks"/>), the
/// cookie and the identity provider, the authorization policy, the person's state in circuits, and the
/// middleware order. Each piece lives in its own file; this one puts them together.
/// </summary>
public static class SecurityRegistration
{
    public static WebApplicationBuilder AddDashboardSecurity(this WebApplicationBuilder builder, ClusterMode resolvedCluster)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var mode = StartupChecks.Validate(auth, resolvedCluster, StartupChecks.ListenAddresses(builder.Configuration));
        auth.Mode = mode;
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.Section));
        builder.Services.PostConfigure<AuthOptions>(o => o.Mode = mode);
        builder.Services.AddSingleton<PersonClients>();
        builder.Services.AddCascadingAuthenticationState();

        if (mode == AuthMode.None)
        {
            // DNS rebinding: a page at evil.example resolving to 127.0.0.1 reaches this port with its own name as Host.
            // Without sign-in only loopback names are answered (AllowedHosts adds any others explicitly configured).
            builder.Services.PostConfigure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o =>
            {
                var configured = o.AllowedHosts.Where(h => h != "*").ToList();
                o.AllowedHosts = [.. LoopbackHosts, .. configured];
                o.AllowEmptyHosts = false;
            });
            builder.Services.AddAuthorization();
            builder.Services.AddScoped<AuthenticationStateProvider, AnonymousOperator>();
            return builder;
        }

        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = mode == AuthMode.Oidc ? OpenIdConnectDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme;
        });
        authentication.AddCookie(o =>
        {
            o.LoginPath = "/signin";
            o.Cookie.Name = "rollout-dashboard";
            o.Cookie.HttpOnly = true;
            // Token sign-in is a same-site form, so Strict holds. An identity provider's callback is a cross-site
            // form post whose redirect a Strict cookie does not follow (the browser would loop back to the
            // provider), so with Oidc the cookie is Lax: sent on top-level navigations only, never on a
            // cross-site post, fetch or frame; forms and hub handshakes are also checked for their origin.
            o.Cookie.SameSite = mode == AuthMode.Oidc ? SameSiteMode.Lax : SameSiteMode.Strict;
            // Secure over HTTPS, and behind a TLS proxy once ASPNETCORE_FORWARDEDHEADERS_ENABLED says the request was.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // A sign-in lasts SessionLifetime at most: the cookie does not slide past it.
            o.ExpireTimeSpan = auth.SessionLifetime;
            o.SlidingExpiration = false;
            // A cookie from before sessions had an end, or one past it, signs nobody in.
            o.Events.OnValidatePrincipal = context =>
            {
                if (context.Principal is null || Sessions.SessionEnded(context.Principal, context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()))
                    context.RejectPrincipal();
                return Task.CompletedTask;
            };
            o.Events.OnRedirectToLogin = context =>
            {
                // Machines (the hub, Blazor's negotiation) get 401, people the sign-in page.
                if (RequestGuards.IsMachinePath(context.Request.Path)) context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                else context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });
        if (mode == AuthMode.Oidc)
        {
            authentication.AddOpenIdConnect(o =>
            {
                o.Authority = auth.Oidc.Authority;
                o.ClientId = auth.Oidc.ClientId;
                o.ClientSecret = auth.Oidc.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.SaveTokens = false;
                // A provider on loopback (tests, a local one) may speak plain HTTP; anywhere else its metadata needs HTTPS.
                o.RequireHttpsMetadata = !Loopback.IsUrl(auth.Oidc.Authority!);
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "email", "groups" }) o.Scope.Add(scope);
                o.TokenValidationParameters.NameClaimType = auth.Oidc.UsernameClaim;
                o.MapInboundClaims = false;
                if (auth.Oidc.AuthorizationEndpoint is { } authorize)
                    o.Configuration = new OpenIdConnectConfiguration { AuthorizationEndpoint = authorize, TokenEndpoint = auth.Oidc.TokenEndpoint, Issuer = auth.Oidc.Authority };
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    if (!RequestGuards.IsMachinePath(context.Request.Path)) return Task.CompletedTask;
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
                o.Events.OnTokenValidated = context =>
                {
                    var person = OidcAdmission.Admit(context.Principal!, auth.Oidc);
                    if (person.Refusal is { } refusal)
                    {
                        context.Fail(refusal);
                        return Task.CompletedTask;
                    }
                    // The cookie holds only what the dashboard acts on: the person, their carried groups, when the session ends.
                    var identity = new ClaimsIdentity(context.Principal!.Identity!.AuthenticationType, ClaimTypes.Name, ClaimTypes.Role);
                    identity.AddClaim(new Claim(ClaimTypes.Name, person.Name!));
                    foreach (var group in person.Groups) identity.AddClaim(new Claim(PersonClaims.Group, group));
                    identity.AddClaim(new Claim(PersonClaims.Expires, Sessions.SessionEnd(context.HttpContext, auth)));
                    context.Principal = new ClaimsPrincipal(identity);
                    // Keep the ID token alone (for signing out at the provider), not the provider's access token.
                    if (context.TokenEndpointResponse?.IdToken is { } id) context.Properties!.StoreTokens([new AuthenticationToken { Name = "id_token", Value = id }]);
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = async context =>
                {
                    // A refused or broken sign-in is a page that says why, never a 500.
                    context.HandleResponse();
                    await SignInPage.Result(mode, "/", $"Sign-in was refused: {context.Failure?.Message ?? "the identity provider's answer could not be used"}",
                        StatusCodes.Status403Forbidden).ExecuteAsync(context.HttpContext);
                };
            });
        }
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingPersonState>();
        return builder;
    }

    static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>The origin check, then authentication and authorization; without sign-in, the check of what the server really bound.</summary>
    public static WebApplication UseDashboardSecurity(this WebApplication app)
    {
        app.UseOriginCheck();
        if ((app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode ?? AuthMode.None) == AuthMode.None)
            app.Lifetime.ApplicationStarted.Register(() => RequestGuards.StopUnlessLoopbackOnly(app));
        else
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        return app;
    }
}
