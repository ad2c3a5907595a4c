using Dashboard.Kubernetes;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>
/// What every request passes before anything answers it: its origin (cross-site WebSocket hijacking and
/// cross-site posts), and without sign-in the addresses the server really bound.
/// </summary>
public static class RequestGuards
{
    /// <summary>The paths of machines (the hub, Blazor's negotiation): they get 401, never a sign-in page.</summary>
    public static bool IsMachinePath(PathString path) => path.StartsWithSegments("/hubs") || path.StartsWithSegments("/_blazor");

    public static WebApplication UseOriginCheck(this WebApplication app)
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
        return app;
    }

    /// <summary>
    /// The configuration was checked before start; what Kestrel really bound is checked after it, whatever
    /// source the address came from: without sign-in, one address beyond loopback stops the dashboard.
    /// </summary>
    public static void StopUnlessLoopbackOnly(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.FirstOrDefault(a => !Loopback.IsUrl(a)) is not { } exposed) return;
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
            && ((options.Mode ?? AuthMode.None) != AuthMode.None || Loopback.IsUrl(origin));
    }
}
