using System.Net;
using System.Security.Claims;
using Dashboard.Web.Cluster;
using Dashboard.Web.Components.Pages;
using k8s.Autorest;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary><c>GET/POST /signin</c> and <c>POST /signout</c>: the token form, the identity provider's challenge, and signing out at both.</summary>
public static class SignInEndpoints
{
    public static void MapSignIn(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var mode = auth.Mode ?? AuthMode.None;
        if (mode == AuthMode.None) return;
        app.MapGet("/signin", (string? returnUrl) =>
            SignInPage.Result(mode, returnUrl, null)).AllowAnonymous();
        app.MapPost("/signin", async (HttpContext context, IAntiforgery antiforgery, ClusterConnection connection) =>
        {
            // Login CSRF: a form posted from elsewhere (the attacker's own token in it) must not sign the victim in.
            if (!await antiforgery.IsRequestValidAsync(context))
                return SignInPage.Result(mode, "/", "This sign-in form expired or was not sent by this dashboard's sign-in page. Sign in again here.", StatusCodes.Status400BadRequest);
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
                    identity.AddClaim(new Claim(PersonClaims.Expires, Sessions.SessionEnd(context, auth)));
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
            return SignInPage.Result(mode, returnUrl, error, StatusCodes.Status401Unauthorized);
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
    public static string LocalOnly(string? url) => url is { Length: > 0 } u && u.StartsWith('/') && !u.StartsWith("//", StringComparison.Ordinal) && !u.StartsWith("/\\", StringComparison.Ordinal)
        && !u.Any(c => char.IsControl(c) || c == '\\') ? u : "/";
}
