using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Dashboard.Web.Cluster;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Dashboard.Web.Security;

/// <summary>
/// Safe by default: exposed Kubernetes dashboards are a known way in (the Tesla cryptojacking case,
/// CVE-2018-18264's "skip login"). Without sign-in the dashboard runs only on the embedded cluster on
/// loopback; anywhere else it refuses to start and says what to set.
/// </summary>
public static class SecurityRegistration
{
    public static AuthMode Validate(AuthOptions auth, ClusterMode resolvedCluster, IEnumerable<string> urls)
    {
        var mode = auth.Mode ?? AuthMode.None;
        if (mode == AuthMode.None)
        {
            var loopbackOnly = urls.All(IsLoopback);
            if (resolvedCluster != ClusterMode.Embedded || !loopbackOnly)
                throw new InvalidOperationException(
                    $"Refusing to start without sign-in: the dashboard {(resolvedCluster == ClusterMode.Embedded ? "listens beyond loopback" : $"talks to a real cluster ({resolvedCluster})")}. " +
                    "Set Auth__Mode=Token (people sign in with a Kubernetes bearer token and act with it), or Auth__Mode=Oidc with " +
                    "Auth__Oidc__Authority, Auth__Oidc__ClientId and Auth__Oidc__ClientSecret (people act through impersonation). " +
                    "Auth__Mode=None is accepted only for the embedded cluster on loopback.");
        }
        if (mode == AuthMode.Oidc && (string.IsNullOrEmpty(auth.Oidc.Authority) || string.IsNullOrEmpty(auth.Oidc.ClientId)))
            throw new InvalidOperationException("Auth__Mode=Oidc needs Auth__Oidc__Authority and Auth__Oidc__ClientId (and Auth__Oidc__ClientSecret for a confidential client).");
        if (mode == AuthMode.Oidc && auth.Oidc.Groups.Select(g => auth.Oidc.GroupsPrefix + g).FirstOrDefault(g => g.StartsWith("system:", StringComparison.Ordinal)) is { } reserved)
            throw new InvalidOperationException($"Auth__Oidc__Groups names \"{reserved}\": system: groups are the cluster's own and are never carried into impersonation.");
        return mode;
    }

    /// <summary>
    /// Every address the dashboard will listen on, from wherever Kestrel reads one: <c>urls</c>
    /// (<c>ASPNETCORE_URLS</c>, <c>--urls</c>), <c>http_ports</c>/<c>https_ports</c> (every interface) and each
    /// <c>Kestrel:Endpoints:*:Url</c>. The default, with none of them, is localhost.
    /// </summary>
    public static IReadOnlyList<string> ListenAddresses(IConfiguration configuration)
    {
        var urls = new List<string>();
        if (configuration["urls"] is { Length: > 0 } configured) urls.AddRange(configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
            if (configuration[key] is { Length: > 0 } ports)
                urls.AddRange(ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}"));
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            urls.Add(endpoint["Url"] is { Length: > 0 } url ? url : $"http://*:0/ (Kestrel:Endpoints:{endpoint.Key} without a loopback Url)");
        return urls.Count == 0 ? ["http://localhost:5000"] : urls;
    }

    static bool IsLoopback(string url) => Dashboard.EmbeddedCluster.Hosting.Loopback.IsUrl(url);

    public static WebApplicationBuilder AddDashboardSecurity(this WebApplicationBuilder builder, ClusterMode resolvedCluster)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var mode = Validate(auth, resolvedCluster, ListenAddresses(builder.Configuration));
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
                if (context.Principal is null || SessionEnded(context.Principal, context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()))
                    context.RejectPrincipal();
                return Task.CompletedTask;
            };
            o.Events.OnRedirectToLogin = context =>
            {
                // Machines (the hub, Blazor's negotiation) get 401, people the sign-in page.
                if (IsMachinePath(context.Request.Path)) context.Response.StatusCode = StatusCodes.Status401Unauthorized;
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
                o.RequireHttpsMetadata = !IsLoopback(auth.Oidc.Authority!);
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "email", "groups" }) o.Scope.Add(scope);
                o.TokenValidationParameters.NameClaimType = auth.Oidc.UsernameClaim;
                o.MapInboundClaims = false;
                if (auth.Oidc.AuthorizationEndpoint is { } authorize)
                    o.Configuration = new OpenIdConnectConfiguration { AuthorizationEndpoint = authorize, TokenEndpoint = auth.Oidc.TokenEndpoint, Issuer = auth.Oidc.Authority };
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    if (!IsMachinePath(context.Request.Path)) return Task.CompletedTask;
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
                    identity.AddClaim(new Claim(PersonClaims.Expires, SessionEnd(context.HttpContext, auth)));
                    context.Principal = new ClaimsPrincipal(identity);
                    // Keep the ID token alone (for signing out at the provider), not the provider's access token.
                    if (context.TokenEndpointResponse?.IdToken is { } id) context.Properties!.StoreTokens([new AuthenticationToken { Name = "id_token", Value = id }]);
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = async context =>
                {
                    // A refused or broken sign-in is a page that says why, never a 500.
                    context.HandleResponse();
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
                    await context.Response.WriteAsync(SignInPage(antiforgery.GetAndStoreTokens(context.HttpContext), mode, "/",
                        $"Sign-in was refused: {context.Failure?.Message ?? "the identity provider's answer could not be used"}"));
                };
            });
        }
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingPersonState>();
        return builder;
    }

    static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    static string SessionEnd(HttpContext context, AuthOptions auth) =>
        (context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + auth.SessionLifetime).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether a signed-in person's session has run its <see cref="AuthOptions.SessionLifetime"/> out.</summary>
    public static bool SessionEnded(ClaimsPrincipal user, DateTimeOffset now) =>
        user.FindFirst(PersonClaims.Expires)?.Value is not { } expires
        || !DateTimeOffset.TryParse(expires, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var end)
        || now >= end;

    static bool IsMachinePath(PathString path) => path.StartsWithSegments("/hubs") || path.StartsWithSegments("/_blazor");

    /// <summary>Security headers on every answer, static files included: call it before anything that answers.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        // Signing in and out with Oidc redirects a form post to the identity provider: form-action must name it.
        var formAction = auth.Mode == AuthMode.Oidc && Uri.TryCreate(auth.Oidc.Authority, UriKind.Absolute, out var provider)
            ? $"'self' {provider.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
        var csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
            $"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action {formAction}; object-src 'none'";
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // No referrer leaves for other sites; same-origin keeps the page's own Origin on its form posts
            // (no-referrer makes the browser send "Origin: null", which the origin check must refuse).
            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            // MudBlazor positions popovers with inline styles; no inline or remote script is ever allowed.
            // connect-src 'self' covers the page's own ws:// and wss:// (CSP Level 3); no other host may be reached.
            headers.ContentSecurityPolicy = csp;
            await next();
        });
        return app;
    }

    public static WebApplication UseDashboardSecurity(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        // Cross-site WebSocket hijacking and cross-site posts: a page elsewhere must not open a circuit or a hub
        // stream, nor post a form, with the person's cookie (or, without sign-in, at all).
        app.Use(async (context, next) =>
        {
            // The identity provider's callback is a cross-site form post by design; its state and correlation cookie guard it.
            var unsafeMethod = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && !(auth.Mode == AuthMode.Oidc && (context.Request.Path == "/signin-oidc" || context.Request.Path == "/signout-callback-oidc"));
            if ((unsafeMethod || IsMachinePath(context.Request.Path)) && context.Request.Headers.Origin.ToString() is { Length: > 0 } origin && !SameOrigin(context, origin))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Cross-origin request refused.");
                return;
            }
            await next();
        });
        if ((app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode ?? AuthMode.None) == AuthMode.None)
            app.Lifetime.ApplicationStarted.Register(() => StopUnlessLoopbackOnly(app));
        else
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        return app;
    }

    /// <summary>
    /// The configuration was checked before start; what Kestrel really bound is checked after it, whatever
    /// source the address came from: without sign-in, one address beyond loopback stops the dashboard.
    /// </summary>
    static void StopUnlessLoopbackOnly(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.FirstOrDefault(a => !IsLoopback(a)) is not { } exposed) return;
        app.Logger.LogCritical("Stopping: without sign-in the dashboard listens on loopback only, but it is bound to {Address}. Set Auth__Mode=Token or Oidc to serve beyond loopback.", exposed);
        app.Lifetime.StopApplication();
    }

    static bool SameOrigin(HttpContext context, string origin)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase)) return true;
        // Scheme and authority both: http://host is not https://host. Without sign-in, a loopback origin only.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, context.Request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && ((options.Mode ?? AuthMode.None) != AuthMode.None || IsLoopback(origin));
    }

    public static void MapSignIn(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var mode = auth.Mode ?? AuthMode.None;
        if (mode == AuthMode.None) return;
        app.MapGet("/signin", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            Results.Content(SignInPage(antiforgery.GetAndStoreTokens(context), mode, returnUrl, null), "text/html; charset=utf-8")).AllowAnonymous();
        app.MapPost("/signin", async (HttpContext context, IAntiforgery antiforgery, ClusterConnection connection) =>
        {
            // Login CSRF: a form posted from elsewhere (the attacker's own token in it) must not sign the victim in.
            if (!await antiforgery.IsRequestValidAsync(context))
                return Results.Content(SignInPage(antiforgery.GetAndStoreTokens(context), mode, "/",
                    "This sign-in form expired or was not sent by this dashboard's sign-in page. Sign in again here."), "text/html; charset=utf-8", statusCode: 400);
            var form = await context.Request.ReadFormAsync();
            var returnUrl = LocalOnly(form["returnUrl"]);
            if (mode == AuthMode.Oidc) return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [OpenIdConnectDefaults.AuthenticationScheme]);
            var token = form["token"].ToString().Trim();
            string? error = null;
            if (token.Length == 0) error = "Paste a Kubernetes bearer token (for example from kubectl create token).";
            else
            {
                try
                {
                    var user = await ClientConfiguration.WhoIsAsync(await connection.ConfigurationAsync, token);
                    var identity = new ClaimsIdentity(CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role);
                    identity.AddClaim(new Claim(ClaimTypes.Name, user.Username));
                    foreach (var group in user.Groups ?? []) identity.AddClaim(new Claim(PersonClaims.Group, group));
                    identity.AddClaim(new Claim(PersonClaims.Token, token));
                    identity.AddClaim(new Claim(PersonClaims.Expires, SessionEnd(context, auth)));
                    await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
                    return Results.LocalRedirect(returnUrl);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    error = "The cluster did not accept that token.";
                }
                catch (Exception e) when (e is HttpOperationException or HttpRequestException)
                {
                    error = $"The cluster could not check the token: {e.Message}";
                }
            }
            return Results.Content(SignInPage(antiforgery.GetAndStoreTokens(context), mode, returnUrl, error), "text/html; charset=utf-8", statusCode: 401);
        }).AllowAnonymous();
        app.MapPost("/signout", async (HttpContext context) =>
        {
            var idToken = await context.GetTokenAsync(CookieAuthenticationDefaults.AuthenticationScheme, "id_token");
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            // With Oidc the provider's session ends too, or the next sign-in would pass through it unasked.
            if (mode == AuthMode.Oidc && idToken is not null)
            {
                var properties = new AuthenticationProperties { RedirectUri = "/signin" };
                properties.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
                return Results.SignOut(properties, [OpenIdConnectDefaults.AuthenticationScheme]);
            }
            return Results.LocalRedirect("/signin");
        }).AllowAnonymous();
    }

    /// <summary>A return address on this dashboard only: a path, never another host, never control characters (a header splitter).</summary>
    static string LocalOnly(string? url) => url is { Length: > 0 } u && u.StartsWith('/') && !u.StartsWith("//", StringComparison.Ordinal) && !u.StartsWith("/\\", StringComparison.Ordinal)
        && !u.Any(c => char.IsControl(c) || c == '\\') ? u : "/";

    static string SignInPage(AntiforgeryTokenSet tokens, AuthMode mode, string? returnUrl, string? error)
    {
        var html = HtmlEncoder.Default;
        var field = mode == AuthMode.Token
            ? """<label for="token">Kubernetes bearer token</label><textarea id="token" name="token" rows="4" autocomplete="off" spellcheck="false" required></textarea><p class="hint">What you may see and do is what the cluster's RBAC allows this token. Create one with <code>kubectl create token NAME</code>.</p>"""
            : """<p class="hint">Sign in with your organisation's identity provider; the dashboard acts as you through Kubernetes impersonation.</p>""";
        return $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>Sign in · Rollout Dashboard</title><link rel="icon" type="image/svg+xml" href="/favicon.svg" /><link rel="stylesheet" href="/app.css" /></head>
            <body class="signin-body"><main class="signin">
            <h1>Rollout Dashboard</h1>
            {{(error is null ? "" : $"<div class=\"signin-error\" role=\"alert\">{html.Encode(error)}</div>")}}
            <form method="post" action="/signin">
            <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}" />
            <input type="hidden" name="returnUrl" value="{{html.Encode(LocalOnly(returnUrl))}}" />
            {{field}}
            <button type="submit">Sign in</button>
            </form></main></body></html>
            """;
    }
}

/// <summary>Without sign-in (embedded cluster on loopback): everyone is the local operator.</summary>
public sealed class AnonymousOperator : AuthenticationStateProvider
{
    static readonly Task<AuthenticationState> State = Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity())));
    public override Task<AuthenticationState> GetAuthenticationStateAsync() => State;
}

/// <summary>
/// Open pages re-check their person every few minutes: a token revoked in the cluster (or an expired
/// sign-in) ends the session in open circuits too, not only on the next page load.
/// </summary>
public sealed class RevalidatingPersonState(ILoggerFactory loggers, IOptions<AuthOptions> options, ClusterConnection connection, TimeProvider clock)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        if (state.User.Identity?.IsAuthenticated != true || SecurityRegistration.SessionEnded(state.User, clock.GetUtcNow())) return false;
        if (state.User.FindFirst(PersonClaims.Token)?.Value is not { } token) return true;
        try
        {
            return (await ClientConfiguration.WhoIsAsync(await connection.ConfigurationAsync, token, cancellationToken)).Username == state.User.Identity?.Name;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return false;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            // The cluster is unreachable: keep the session; the connection banner says what is wrong.
            return true;
        }
    }
}
