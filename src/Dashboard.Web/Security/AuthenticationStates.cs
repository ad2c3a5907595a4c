using System.Net;
using System.Security.Claims;
using Dashboard.Web.Cluster;
using k8s.Autorest;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

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
        if (state.User.Identity?.IsAuthenticated != true || Sessions.SessionEnded(state.User, clock.GetUtcNow())) return false;
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
