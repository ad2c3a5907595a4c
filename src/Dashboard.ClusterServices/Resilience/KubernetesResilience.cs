using System.Net;
using k8s.Autorest;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Dashboard.ClusterServices.Resilience;

/// <summary>
/// Resilience for calls to the API server. Reads retry transient failures with jittered exponential
/// backoff (honouring Retry-After on 429); mutations are never retried blindly, because a PATCH
/// whose answer was lost may have been applied. Both go through one circuit breaker, tuned to trip at
/// a dashboard's traffic, so during an outage an operator's click fails fast with a clear message.
/// Watches do not use these pipelines: they have their own watchdog.
/// </summary>
public sealed class KubernetesResilience
{
    public KubernetesResilience(TimeProvider? clock = null, TimeSpan? attemptTimeout = null, int breakerMinimumThroughput = 4, TimeSpan? breakDuration = null)
    {
        var breaker = new ResiliencePipelineBuilder { TimeProvider = clock ?? TimeProvider.System }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = breakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(15),
                BreakDuration = breakDuration ?? TimeSpan.FromSeconds(5),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();

        Read = new ResiliencePipelineBuilder { TimeProvider = clock ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 4,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
            })
            .AddPipeline(breaker)
            .AddTimeout(attemptTimeout ?? TimeSpan.FromSeconds(10))
            .Build();

        Write = new ResiliencePipelineBuilder { TimeProvider = clock ?? TimeProvider.System }
            .AddPipeline(breaker)
            .AddTimeout(attemptTimeout ?? TimeSpan.FromSeconds(10))
            .Build();
    }

    public ResiliencePipeline Read { get; }
    public ResiliencePipeline Write { get; }

    /// <summary>A read that did not get an answer from the cluster: an error status, no connection, an open breaker, a timeout.</summary>
    public static bool IsUnanswered(Exception e) => e is HttpOperationException or HttpRequestException or BrokenCircuitException or TimeoutRejectedException;

    /// <summary>Failures worth another try: the server's 5xx, 408 and 429, lost connections and timeouts.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        HttpOperationException h => (int)h.Response.StatusCode >= 500 || h.Response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        HttpRequestException => true,
        TimeoutRejectedException => true,
        TaskCanceledException t => t.InnerException is TimeoutException,
        IOException => true,
        _ => false,
    };

    /// <summary>How long a 429 asked us to wait (capped at 30 s); null for anything else.</summary>
    public static TimeSpan? RetryAfter(Exception? e)
    {
        if (e is HttpOperationException { Response.StatusCode: HttpStatusCode.TooManyRequests } h
            && h.Response.Headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds))
            return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 30));
        return null;
    }
}
