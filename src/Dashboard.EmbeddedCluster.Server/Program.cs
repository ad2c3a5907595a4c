using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

// The embedded cluster on its own, with the same EmbeddedCluster__* settings as inside the dashboard,
// so the dashboard can restart while the cluster (and a rollout in it) goes on.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
var options = new EmbeddedClusterOptions();
configuration.GetSection(EmbeddedClusterOptions.Section).Bind(options);
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
await using var host = new EmbeddedClusterHost(options, loggerFactory);
await host.StartAsync();

var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.TrySetResult();
await stopped.Task;
