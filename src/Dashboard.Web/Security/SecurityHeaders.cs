using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

public static class SecurityHeaders
{
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
}
