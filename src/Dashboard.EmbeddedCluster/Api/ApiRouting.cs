using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// The embedded API server's routes, in ASP.NET Core endpoint routing: health probes (anyone), then
/// authentication, discovery and OpenAPI, the reviews, the admin's fault switches, and every resource
/// path (<c>/api/v1/...</c>, <c>/apis/{group}/{version}/...</c>). What applies to every resource request
/// (RBAC, injected faults, <c>apiserver_request_total</c>) is middleware on the resource endpoints, not
/// calls in each handler.
/// </summary>
public static class ApiRouting
{
    /// <summary>Marks the resource endpoints for <see cref="ResourceRequests"/>.</summary>
    sealed class ResourceEndpoint(bool grouped)
    {
        public bool Grouped { get; } = grouped;
    }

    sealed class Anonymous;

    sealed record Resolved(ApiRequestHandler.Target Target, string Verb);

    public static void MapKubernetesApi(this WebApplication app, SimulatedCluster cluster, ApiMetrics metrics, FaultInjection faults, Func<TimeSpan, Task>? restart)
    {
        var handler = new ApiRequestHandler(cluster, faults);

        app.Use(async (context, next) =>
        {
            // Clients differ on trailing slashes (KubernetesClient asks for /version/); the apiserver accepts both.
            if (context.Request.Path.Value is { Length: > 1 } path && path.EndsWith('/')) context.Request.Path = path.TrimEnd('/');
            try
            {
                if (!cluster.Access.Enabled && ApiRequestHandler.ForeignBrowserRequest(context.Request) is { } refusal)
                    throw new ApiException(403, "Forbidden", refusal);
                await next(context);
            }
            catch (ApiException e)
            {
                await ApiRequestHandler.WriteError(context, e);
            }
            catch (JsonException e)
            {
                await ApiRequestHandler.WriteError(context, ApiException.BadRequest($"the object provided is unrecognized: {e.Message}"));
            }
            catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
            {
                // As kube-apiserver's panic recovery: a Status a client can print, and the cause in the server's log.
                context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Dashboard.EmbeddedCluster.Api").LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                await ApiRequestHandler.WriteError(context, new ApiException(500, "InternalError", $"Internal error occurred: {e.Message}"));
            }
        });
        app.UseRouting();
        // Health probes answer anyone, as kube-apiserver's do; everything else needs an authenticated user
        // (anonymous requests are refused, as with --anonymous-auth=false, whenever a token file is set).
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<Anonymous>() is null) context.Items[typeof(UserInfo)] = cluster.Access.Authenticate(context.Request);
            await next(context);
        });
        app.Use((context, next) => ResourceRequests(context, next, cluster, metrics, faults));

        foreach (var probe in new[] { "/healthz", "/livez", "/readyz" })
            app.MapGet(probe, (HttpContext context) =>
            {
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync("ok");
            }).WithMetadata(new Anonymous());

        app.MapGet("/version", (HttpContext context) => ApiRequestHandler.WriteJson(context, 200, Discovery.Version()));
        app.MapGet("/metrics", (HttpContext context) =>
        {
            var user = UserOf(context);
            if (!cluster.Access.AllowedPath(user, "get", "/metrics")) throw Access.ForbiddenPath(user, "get", "/metrics");
            context.Response.ContentType = "text/plain; version=0.0.4";
            return context.Response.WriteAsync(metrics.Render());
        });
        app.MapGet("/openapi/v3", (HttpContext context) => ApiRequestHandler.WriteJson(context, 200, Discovery.OpenApiRoot()));
        app.MapGet("/openapi/v3/{**groupVersion}", (HttpContext context, string groupVersion) =>
            ApiRequestHandler.WriteJson(context, 200, Discovery.OpenApiGroupVersion(groupVersion) ?? throw ApiException.UnknownResource()));

        // Breaking the cluster for everyone is the cluster admin's alone.
        app.MapMethods("/_embedded/faults", ["GET", "POST", "DELETE"], (HttpContext context) =>
        {
            AdminOnly(context);
            return handler.HandleFaults(context);
        });
        app.MapPost("/_embedded/restart", (HttpContext context) =>
        {
            AdminOnly(context);
            if (restart is null) throw ApiException.UnknownResource();
            // Answer first, then drop every connection and refuse new ones for the downtime; state is kept.
            var seconds = double.TryParse(context.Request.Query["seconds"], CultureInfo.InvariantCulture, out var s) ? Math.Clamp(s, 0, 300) : 10;
            _ = Task.Run(async () => { await Task.Delay(100); await restart(TimeSpan.FromSeconds(seconds)); });
            return ApiRequestHandler.WriteJson(context, 202, new JsonObject { ["restarting"] = true, ["downSeconds"] = seconds });
        });

        app.MapGet("/api", (HttpContext context) => ApiRequestHandler.WriteJson(context, 200, Discovery.CoreVersions(context.Request.Host.Value ?? "127.0.0.1")));
        app.MapGet("/apis", (HttpContext context) => ApiRequestHandler.WriteJson(context, 200, Discovery.GroupList()));
        app.MapGet("/apis/{group}", (HttpContext context, string group) =>
            ApiRequestHandler.WriteJson(context, 200, Discovery.GroupDocument(group) ?? throw ApiException.UnknownResource()));
        app.MapGet("/api/{version}", (HttpContext context, string version) =>
            ApiRequestHandler.WriteJson(context, 200, Discovery.ResourceList(version) ?? throw ApiException.UnknownResource()));
        app.MapGet("/apis/{group}/{version}", (HttpContext context, string group, string version) =>
            ApiRequestHandler.WriteJson(context, 200, Discovery.ResourceList($"{group}/{version}") ?? throw ApiException.UnknownResource()));

        app.MapPost("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", async (HttpContext context) =>
            await ApiRequestHandler.WriteJson(context, 201, handler.SelfSubjectAccessReview(UserOf(context), await ApiRequestHandler.ReadObject(context.Request))));
        app.MapPost("/apis/authentication.k8s.io/v1/selfsubjectreviews", (HttpContext context) => ApiRequestHandler.WriteJson(context, 201, new JsonObject
        {
            ["kind"] = "SelfSubjectReview", ["apiVersion"] = "authentication.k8s.io/v1", ["metadata"] = new JsonObject(),
            ["status"] = new JsonObject { ["userInfo"] = ApiRequestHandler.UserJson(UserOf(context)) },
        }));
        app.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", async (HttpContext context) =>
            await ApiRequestHandler.WriteJson(context, 201, handler.TokenReview(UserOf(context), await ApiRequestHandler.ReadObject(context.Request))));

        string[] verbs = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        RequestDelegate serve = context => context.Items[typeof(Resolved)] is Resolved r ? handler.ServeAsync(context, r.Target, r.Verb) : throw ApiException.UnknownResource();
        app.MapMethods("/api/{version}/{**rest}", verbs, serve).WithMetadata(new ResourceEndpoint(grouped: false));
        app.MapMethods("/apis/{group}/{version}/{**rest}", verbs, serve).WithMetadata(new ResourceEndpoint(grouped: true));
        // Anything else is a resource the server does not have, in Kubernetes' words (and with its Status body).
        app.MapFallback("{**path}", (HttpContext _) => Task.FromException(ApiException.UnknownResource()));
    }

    static UserInfo UserOf(HttpContext context) => (UserInfo)context.Items[typeof(UserInfo)]!;

    static void AdminOnly(HttpContext context)
    {
        var user = UserOf(context);
        if (!user.Groups.Contains(UserInfo.Masters)) throw Access.ForbiddenPath(user, context.Request.Method.ToLowerInvariant(), context.Request.Path.Value ?? "");
    }

    /// <summary>
    /// Every request on a resource: resolved to its type, namespace, name and verb, authorized by RBAC,
    /// counted (<c>apiserver_request_total</c> by its status, watches as long-running requests while open)
    /// and, when a fault is switched on, delayed or failed as the fault says.
    /// </summary>
    static async Task ResourceRequests(HttpContext context, RequestDelegate next, SimulatedCluster cluster, ApiMetrics metrics, FaultInjection faults)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ResourceEndpoint>() is not { } endpoint)
        {
            await next(context);
            return;
        }
        var values = context.Request.RouteValues;
        var groupVersion = endpoint.Grouped ? $"{values["group"]}/{values["version"]}" : (string)values["version"]!;
        var parts = ((string?)values["rest"] ?? "").Split('/').Select(Uri.UnescapeDataString).ToArray();
        var target = ApiRequestHandler.Resolve(groupVersion, parts, out var watchPath);
        var verb = ApiRequestHandler.VerbOf(context.Request.Method, target, watchPath, context.Request.Query);
        var user = UserOf(context);
        var attributes = new ResourceAttributes(verb == "POST" ? "create" : verb == "PUT" ? "update" : verb.ToLowerInvariant(),
            target.Type.Group, target.Type.Plural, target.Subresource, target.Namespace, target.Name);
        if (!cluster.Access.Allowed(user, attributes)) throw Access.Forbidden(user, attributes, target.Type);

        var resource = target.Type.Plural;
        // Counted as the answer starts: its status is known then, a watch's too (which then runs on).
        context.Response.OnStarting(() =>
        {
            metrics.Request(verb, resource, context.Response.StatusCode);
            return Task.CompletedTask;
        });
        if (faults.Active is { } fault)
        {
            if (fault.LatencyMs > 0) await Task.Delay(fault.LatencyMs, context.RequestAborted);
            if (fault.ErrorRate > 0 && Random.Shared.NextDouble() < fault.ErrorRate)
            {
                if (fault.ErrorCode == 429) context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                var reason = fault.ErrorCode switch { 429 => "TooManyRequests", 503 => "ServiceUnavailable", 504 => "Timeout", _ => "InternalError" };
                throw new ApiException(fault.ErrorCode, reason, fault.ErrorCode == 429
                    ? "the server has received too many requests and has asked us to try again later"
                    : "an error on the server (\"injected fault\") has prevented the request from succeeding");
            }
        }
        context.Items[typeof(Resolved)] = new Resolved(target, verb);
        if (verb != "WATCH")
        {
            await next(context);
            return;
        }
        metrics.WatchOpened(resource);
        try
        {
            await next(context);
        }
        finally
        {
            metrics.WatchClosed(resource);
        }
    }
}
