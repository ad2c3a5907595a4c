using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Browser.Tests;
using Dashboard.ClusterServices.Caching;
using Dashboard.EmbeddedCluster;
using Dashboard.Testing;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Benchmarks;

/// <summary>
/// The whole product under load: a generated cluster (default 5,000 pods in 50 Deployments plus one
/// 1,000-pod Deployment), the dashboard in its own process, N hub clients and M browser pages, and a
/// steady churn of pod changes, scale-ups and rolling updates. Every event is timestamped where it
/// first appears (a direct watch on the API server) and where it lands: a hub client, a page's DOM,
/// and <c>kubectl get pods -w</c> as the reference a person would otherwise use.
/// </summary>
static class LoadBenchmark
{
    sealed record HubPod(string Name);
    sealed record HubPodEvent(string Type, HubPod Pod, string ResourceVersion);

    static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static async Task RunAsync(IReadOnlyDictionary<string, int> settings)
    {
        var pods = settings.GetValueOrDefault("pods", 5000);
        var deployments = settings.GetValueOrDefault("deployments", 50);
        var clientCount = settings.GetValueOrDefault("clients", 200);
        var pageCount = Math.Min(settings.GetValueOrDefault("pages", 5), deployments);
        var rate = settings.GetValueOrDefault("rate", 50);
        var seconds = settings.GetValueOrDefault("seconds", 60);
        var bigPods = settings.GetValueOrDefault("bigpods", 1000);
        // records=0 runs the same load with rollout recording off: the difference is what recording costs.
        var recording = settings.GetValueOrDefault("records", 1) != 0;

        await using var host = await BenchCluster.StartAsync(pods, deployments);
        if (bigPods > 0) await CreateBigDeploymentAsync(host, bigPods);
        var kubeconfig = host.KubeconfigPath!;
        using var clients = new KubernetesClientProvider(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await using var dashboard = await BenchDashboard.StartAsync(kubeconfig, new Dictionary<string, string> { ["Records__RecordRollouts"] = recording ? "true" : "false" });
        var cookies = await dashboard.SignInAsync(BenchCluster.ViewerToken);
        using var stats = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = dashboard.Url };
        Console.WriteLine($"dashboard: {dashboard.Url} (pid {dashboard.Pid})");
        // Memory per cached pod: the heap once the namespace's pods are cached and fed to the first hub stream, less the heap before.
        var heapIdle = await HeapAsync(stats);
        var heapOne = heapIdle;
        using var stop = new CancellationTokenSource();

        // Where each event first appears: a direct watch on the API server.
        var list = await clients.Read.CoreV1.ListNamespacedPodAsync(BenchCluster.Namespace);
        var startRv = long.Parse(list.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        var reference = new ConcurrentDictionary<long, long>();
        var added = new ConcurrentDictionary<string, long>();
        var referenceWatch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, pod) in clients.Watch.CoreV1.WatchListNamespacedPodAsync(BenchCluster.Namespace, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
                {
                    var at = Now;
                    reference.TryAdd(long.Parse(pod.Metadata.ResourceVersion, CultureInfo.InvariantCulture), at);
                    if (type == WatchEventType.Added) added.TryAdd(pod.Metadata.Name, at);
                }
            }
            catch (OperationCanceledException) { }
        });

        // kubectl get pods -w: what a person would otherwise watch.
        var kubectlArrivals = new ConcurrentDictionary<long, long>();
        var kubectl = Process.Start(new ProcessStartInfo("kubectl", ["--kubeconfig", kubeconfig, "-n", BenchCluster.Namespace, "get", "pods", "-w", "--output-watch-events",
            "-o", "custom-columns=RV:.object.metadata.resourceVersion", "--no-headers"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        kubectl.OutputDataReceived += (_, e) =>
        {
            var at = Now;
            if (e.Data?.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() is { } last && long.TryParse(last, out var rv) && rv > startRv) kubectlArrivals.TryAdd(rv, at);
        };
        kubectl.BeginOutputReadLine();
        kubectl.BeginErrorReadLine();

        // N hub clients: most speak the hub protocol over a raw WebSocket (ThinHubClient), the first few are
        // stock .NET HubConnections, each group's latency reported on its own.
        var dotnetClients = Math.Min(clientCount, settings.GetValueOrDefault("dotnetclients", 10));
        var arrivals = new ConcurrentBag<(long Rv, long At)>[clientCount];
        var snapshots = new int[clientCount];
        var connections = new List<IAsyncDisposable>();
        var streams = new List<Task>();
        for (var c = 0; c < clientCount; c++)
        {
            var index = c;
            arrivals[index] = [];
            void Arrived(long rv)
            {
                if (rv > startRv) arrivals[index].Add((rv, Now));
                else Interlocked.Increment(ref snapshots[index]);
            }
            if (index < dotnetClients)
            {
                var connection = new HubConnectionBuilder().WithUrl(new Uri(dashboard.Url, "hubs/pods"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    o.Cookies = cookies;
                }).Build();
                await connection.StartAsync();
                connections.Add(connection);
                streams.Add(Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var e in connection.StreamAsync<HubPodEvent>("StreamPods", BenchCluster.Namespace, stop.Token))
                            Arrived(long.Parse(e.ResourceVersion, CultureInfo.InvariantCulture));
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or Microsoft.AspNetCore.SignalR.HubException) { }
                }));
            }
            else
            {
                var client = await ThinHubClient.ConnectAsync(new Uri(dashboard.Url, "hubs/pods"), cookies, stop.Token);
                connections.Add(client);
                streams.Add(Task.Run(async () =>
                {
                    try
                    {
                        await client.StreamPodsAsync(BenchCluster.Namespace, Arrived, stop.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException) { }
                }));
            }
            if (index == 0)
            {
                // The first stream alone: what caching and feeding a namespace's pods costs, before per-client costs.
                var waiting = Stopwatch.StartNew();
                while (Volatile.Read(ref snapshots[0]) < pods && waiting.Elapsed < TimeSpan.FromMinutes(1)) await Task.Delay(50);
                heapOne = await HeapAsync(stats);
            }
        }
        var clock = Stopwatch.StartNew();
        while (snapshots.Any(s => s < pods) && clock.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(100);
        Console.WriteLine($"{clientCount} hub clients received their {pods}-pod snapshot in {clock.Elapsed.TotalSeconds:0.0} s");

        // Browser pages: time to first render, then M deployment pages that timestamp every new pod row.
        var heapBefore = await HeapAsync(stats);
        var perCachedPod = heapOne.CachedPods == 0 ? 0 : Math.Round((heapOne.Heap - heapIdle.Heap) / (double)heapOne.CachedPods);
        var perHubClient = clientCount <= 1 ? 0 : Math.Round((heapBefore.Heap - heapOne.Heap) / (clientCount - 1.0) / 1024, 1);
        Console.WriteLine($"{heapOne.CachedPods} pods cached and fed to the hub: {perCachedPod} B of managed heap each; each further hub client {perHubClient} KiB");
        await using var browser = await BrowserSession.LaunchAsync();
        var context = await browser.NewContextAsync(1440, 900);
        await context.AddCookiesAsync(cookies.GetAllCookies().Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = dashboard.Url.ToString() }));
        // Cold: the browser's first visit (scripts downloaded, caches started); warm: the next visit, what people see day to day.
        var ttfrOverviewCold = await TimeToFirstRenderAsync(context, new Uri(dashboard.Url, "?ns=bench").ToString(), "tr[data-deployment]");
        var ttfrOverview = await TimeToFirstRenderAsync(context, new Uri(dashboard.Url, "?ns=bench").ToString(), "tr[data-deployment]");
        var fetch = Stopwatch.StartNew();
        var prerendered = System.Text.RegularExpressions.Regex.Count(await stats.GetStringAsync("?ns=bench"), "data-deployment=");
        Console.WriteLine($"  the overview's first HTML (prerendered) holds {prerendered} deployment rows and took {fetch.ElapsedMilliseconds} ms");
        var ttfrBigCold = bigPods > 0 ? await TimeToFirstRenderAsync(context, new Uri(dashboard.Url, "namespaces/bench-big/deployments/big").ToString(), "tr[data-pod]") : double.NaN;
        var ttfrBig = bigPods > 0 ? await TimeToFirstRenderAsync(context, new Uri(dashboard.Url, "namespaces/bench-big/deployments/big").ToString(), "tr[data-pod]") : double.NaN;
        var watched = Enumerable.Range(0, pageCount).Select(i => $"app-{i:D3}").ToList();
        var pages = new List<Microsoft.Playwright.IPage>();
        foreach (var name in watched)
        {
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync("""
                window.__seen = {};
                new MutationObserver(() => {
                  for (const row of document.querySelectorAll('tr[data-pod]')) {
                    const n = row.getAttribute('data-pod');
                    if (!(n in window.__seen)) window.__seen[n] = Date.now();
                  }
                }).observe(document, { childList: true, subtree: true });
                """);
            await page.GotoAsync(new Uri(dashboard.Url, $"namespaces/{BenchCluster.Namespace}/deployments/{name}").ToString());
            await page.Locator("tr[data-pod]").First.WaitForAsync(new() { Timeout = 60_000 });
            pages.Add(page);
        }
        // Memory per circuit: more pages of Deployments already open add circuits but no cache.
        await Task.Delay(2000);
        var heapWithPages = await HeapAsync(stats);
        const int ExtraPages = 5;
        var extra = new List<Microsoft.Playwright.IPage>();
        for (var i = 0; i < ExtraPages && watched.Count > 0; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(dashboard.Url, $"namespaces/{BenchCluster.Namespace}/deployments/{watched[i % watched.Count]}").ToString());
            await page.Locator("tr[data-pod]").First.WaitForAsync(new() { Timeout = 60_000 });
            extra.Add(page);
        }
        await Task.Delay(2000);
        var heapWithExtra = await HeapAsync(stats);
        var perCircuit = (heapWithExtra.Heap - heapWithPages.Heap) / (double)ExtraPages;
        foreach (var page in extra) await page.CloseAsync();
        Console.WriteLine($"time to first render: overview {ttfrOverview:0} ms, {bigPods}-pod deployment page {ttfrBig:0} ms; {heapWithPages.Circuits} circuits");

        // Churn: pod changes at `rate` a second, a scale-up of a watched Deployment every 2 s, a rolling update every 10 s.
        var metricsBefore = await ScrapeAsync(host);
        // Who uses the two cores while it churns, and whether the dashboard's work waits for threads.
        var cpuBefore = CpuNow(kubectl);
        var cpuWindow = Stopwatch.StartNew();
        var runtimeBefore = await RuntimeAsync(stats);
        var rolloutStarts = new ConcurrentQueue<long>();
        using var churnOver = new CancellationTokenSource();
        var queueSamples = new List<double>();
        var sampling = Task.Run(async () =>
        {
            try
            {
                while (!churnOver.IsCancellationRequested)
                {
                    queueSamples.Add((await RuntimeAsync(stats)).ThreadPoolQueue);
                    await Task.Delay(200, churnOver.Token);
                }
            }
            catch (OperationCanceledException) { }
        });
        var names = host.Cluster.Store.List(ResourceTypes.Pods, BenchCluster.Namespace).Items.Select(p => p.Name).ToArray();
        var churn = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var scaleUps = 0;
        var rollouts = 0;
        var replicas = pods / deployments;
        for (var i = 0; churn.Elapsed < TimeSpan.FromSeconds(seconds); i++)
        {
            if (BenchCluster.Touch(host, names[Random.Shared.Next(names.Length)], i) < 0)
                names = host.Cluster.Store.List(ResourceTypes.Pods, BenchCluster.Namespace).Items.Select(p => p.Name).ToArray();
            if (i % (rate * 2) == rate && watched.Count > 0)
            {
                var target = watched[scaleUps % watched.Count];
                scaleUps++;
                await clients.Read.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":N}}""".Replace("N", (replicas + 1 + scaleUps / watched.Count).ToString(CultureInfo.InvariantCulture)), V1Patch.PatchType.MergePatch), target, BenchCluster.Namespace);
            }
            if (i % (rate * 10) == rate * 5)
            {
                var target = $"app-{deployments - 1 - rollouts % Math.Max(1, deployments - pageCount):D3}";
                rollouts++;
                rolloutStarts.Enqueue(Now);
                await clients.Read.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"IMAGE"}]}}}}""".Replace("IMAGE", $"registry.local/{target}:{rollouts + 1}.0"), V1Patch.PatchType.StrategicMergePatch), target, BenchCluster.Namespace);
            }
            var due = interval * (i + 1) - churn.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        await churnOver.CancelAsync();
        await sampling;
        var cpuAfter = CpuNow(kubectl);
        var cpuSeconds = Math.Round(cpuWindow.Elapsed.TotalSeconds);
        var runtimeAfter = await RuntimeAsync(stats);
        var metricsAfter = await ScrapeAsync(host);
        var heapAfter = await HeapAsync(stats);
        var records = (await stats.GetFromJsonAsync<JsonObject>("stats"))!["records"]!;
        var churnMinutes = (churn.Elapsed.TotalSeconds) / 60;

        // Page DOM latency: a new pod's row against the pod's ADDED event on the API server.
        var domLatencies = new List<double>();
        foreach (var page in pages)
        {
            var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__seen");
            foreach (var (pod, at) in seen)
                if (added.TryGetValue(pod, out var first) && at >= first - 1000) domLatencies.Add(at - first);
        }

        await stop.CancelAsync();
        foreach (var connection in connections) await connection.DisposeAsync();
        await Task.WhenAll(streams);
        await referenceWatch;
        kubectl.Kill();

        // A client learns of a pod version when it first gets it: a stream sends a pod again, same version, when its
        // ReplicaSet's revision comes to light after the pod (the two are separate watches), and that is not the event's latency.
        var firsts = arrivals.Select(client => client.GroupBy(a => a.Rv).Select(g => (Rv: g.Key, At: g.Min(a => a.At))).ToList()).ToList();
        var resent = arrivals.Sum(client => client.Count) - firsts.Sum(client => client.Count);
        var hub = Latencies(firsts.SelectMany(a => a), reference);
        var hubDotnet = Latencies(firsts.Take(dotnetClients).SelectMany(a => a), reference);
        // Where the hub's time goes: the first client to get an event (the way in: watch, cache, feed) and the last (the fan-out).
        var byEvent = firsts.SelectMany(a => a).Where(a => reference.ContainsKey(a.Rv)).GroupBy(a => a.Rv).ToList();
        var hubFirst = byEvent.Select(g => (double)Math.Max(0, g.Min(a => a.At) - reference[g.Key])).Order().ToList();
        var hubLast = byEvent.Select(g => (double)Math.Max(0, g.Max(a => a.At) - reference[g.Key])).Order().ToList();
        var kubectlLatency = Latencies(kubectlArrivals.Select(k => (k.Key, k.Value)), reference);
        // The slowest 1% of events, and the share of them that came within 3 s of a rolling update's start (30% of the run's time).
        double InRollouts(IEnumerable<(long Rv, double Latency)> byLatency)
        {
            var all = byLatency.OrderByDescending(e => e.Latency).ToList();
            var slowest = all.Take(Math.Max(1, all.Count / 100)).ToList();
            return Math.Round(100.0 * slowest.Count(e => rolloutStarts.Any(at => reference[e.Rv] - at is >= 0 and <= 3000)) / Math.Max(1, slowest.Count));
        }
        var slowHub = InRollouts(byEvent.Select(g => (g.Key, (double)(g.Min(a => a.At) - reference[g.Key]))));
        var slowKubectl = InRollouts(kubectlArrivals.Where(k => reference.ContainsKey(k.Key)).Select(k => (k.Key, (double)(k.Value - reference[k.Key]))));
        var queue = queueSamples.Order().ToList();
        var queueMax = queue.Count == 0 ? 0 : queue[^1];
        var cpu = cpuAfter.Zip(cpuBefore, (a, b) => Math.Round(a - b, 1)).ToArray();
        var dashboardCpu = Math.Round(runtimeAfter.CpuSeconds - runtimeBefore.CpuSeconds, 1);
        var gcPause = Math.Round(runtimeAfter.GcPauseMs - runtimeBefore.GcPauseMs);
        var gcCount = runtimeAfter.GcCollections.Zip(runtimeBefore.GcCollections, (a, b) => a - b).ToArray();
        domLatencies.Sort();
        var eventsPerSecond = reference.Count / Math.Max(1, churn.Elapsed.TotalSeconds);
        var watchesBefore = metricsBefore.Watches;
        var lists = metricsAfter.Lists - metricsBefore.Lists;
        var requestsPerMinute = (metricsAfter.Requests - metricsBefore.Requests) / churnMinutes;
        var result = new
        {
            pods, deployments, bigPods, hubClients = clientCount, pages = pageCount, churnSeconds = seconds,
            eventsPerSecond = Math.Round(eventsPerSecond),
            hubLatencyMs = new { p50 = P(hub, 0.5), p99 = P(hub, 0.99), samples = hub.Count, resentSamePodVersion = resent },
            hubDotnetClientsLatencyMs = new { clients = dotnetClients, p50 = P(hubDotnet, 0.5), p99 = P(hubDotnet, 0.99), samples = hubDotnet.Count },
            kubectlWatchLatencyMs = new { p50 = P(kubectlLatency, 0.5), p99 = P(kubectlLatency, 0.99), samples = kubectlLatency.Count },
            pageDomLatencyMs = new { p50 = P(domLatencies, 0.5), p99 = P(domLatencies, 0.99), samples = domLatencies.Count },
            timeToFirstRenderMs = new { overview = Math.Round(ttfrOverview), overviewCold = Math.Round(ttfrOverviewCold), bigDeploymentPage = Math.Round(ttfrBig), bigDeploymentPageCold = Math.Round(ttfrBigCold) },
            cpuSecondsDuringChurn = new { seconds = cpuSeconds, dashboard = dashboardCpu, clusterAndClients = cpu[0], chromium = cpu[1], kubectl = cpu[2] },
            dashboardRuntime = new { threadPoolQueueP50 = P(queue, 0.5), threadPoolQueueP99 = P(queue, 0.99), threadPoolQueueMax = queueMax, gcPauseMs = gcPause, gcCollections = gcCount },
            slowestPercentWithin3sOfRollout = new { firstHubClient = slowHub, kubectl = slowKubectl },
            apiServer = new { watchesDuringChurn = metricsAfter.Watches, watchesBeforeChurn = watchesBefore, listsDuringChurn = lists, requestsPerMinute = Math.Round(requestsPerMinute) },
            records = new { recording, rolloutWrites = (long)records["rolloutWrites"]!, pending = (int)records["pending"]!, dropped = (long)records["dropped"]!, rollouts },
            dashboardMemory = new
            {
                workingSetMiB = Math.Round(heapAfter.WorkingSet / 1048576.0, 1),
                managedHeapMiB = Math.Round(heapAfter.Heap / 1048576.0, 1),
                perCircuitKiB = Math.Round(perCircuit / 1024, 1),
                perCachedPodBytes = perCachedPod,
                perHubClientKiB = perHubClient,
                circuits = heapAfter.Circuits,
            },
        };
        var hubTarget = P(kubectlLatency, 0.99) * 1.5 + 50;
        Console.WriteLine();
        Console.WriteLine("| measure | value | target |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| events through the reflector | {result.eventsPerSecond}/s | |");
        Console.WriteLine($"| hub p50 / p99 ({clientCount} clients) | {result.hubLatencyMs.p50} / {result.hubLatencyMs.p99} ms | p99 ≤ 1.5 × kubectl p99 + 50 = {hubTarget:0} ms: {(result.hubLatencyMs.p99 <= hubTarget ? "met" : "MISSED")} |");
        Console.WriteLine($"| pod versions sent again to a client (a ReplicaSet's revision learnt after its pod; not counted above) | {resent} of {resent + hub.Count} | |");
        Console.WriteLine($"| of which the {dotnetClients} .NET HubConnection clients | {result.hubDotnetClientsLatencyMs.p50} / {result.hubDotnetClientsLatencyMs.p99} ms | |");
        Console.WriteLine($"| hub, first / last client to get each event: p50, p99 | {P(hubFirst, 0.5)}, {P(hubFirst, 0.99)} / {P(hubLast, 0.5)}, {P(hubLast, 0.99)} ms | |");
        Console.WriteLine($"| slowest 1% of events within 3 s of a rolling update's start: first hub client / kubectl | {slowHub}% / {slowKubectl}% | |");
        Console.WriteLine($"| kubectl get pods -w p50 / p99 | {result.kubectlWatchLatencyMs.p50} / {result.kubectlWatchLatencyMs.p99} ms | reference |");
        Console.WriteLine($"| page DOM p50 / p99 ({pageCount} pages) | {result.pageDomLatencyMs.p50} / {result.pageDomLatencyMs.p99} ms ({domLatencies.Count} rows) | p99 ≤ 1000 ms: {(domLatencies.Count == 0 ? "not measured" : result.pageDomLatencyMs.p99 <= 1000 ? "met" : "MISSED")} |");
        Console.WriteLine($"| first render, warm (cold): overview / {bigPods}-pod page | {result.timeToFirstRenderMs.overview} ({result.timeToFirstRenderMs.overviewCold}) / {result.timeToFirstRenderMs.bigDeploymentPage} ({result.timeToFirstRenderMs.bigDeploymentPageCold}) ms | overview < 1000 ms: {(ttfrOverview < 1000 ? "met" : "MISSED")} |");
        Console.WriteLine($"| API watches before / during churn | {watchesBefore} / {metricsAfter.Watches} | do not grow with viewers |");
        // Each spec change of a Deployment open in a page re-runs its safety check: one LIST of Services and one of PodDisruptionBudgets.
        Console.WriteLine($"| LISTs during churn | {lists} (safety re-checks after {scaleUps} spec changes of open Deployments: at most {2 * scaleUps}) | no periodic LISTs: {(lists <= 2 * scaleUps ? "met" : "MISSED")} |");
        Console.WriteLine($"| API requests per minute during churn | {result.apiServer.requestsPerMinute} | |");
        Console.WriteLine($"| CPU-seconds in {cpuSeconds} s (2 cores): dashboard / cluster and hub clients / Chromium / kubectl | {dashboardCpu} / {cpu[0]} / {cpu[1]} / {cpu[2]} | |");
        Console.WriteLine($"| dashboard thread-pool queue p50 / p99 / max (every 200 ms); GC pauses | {result.dashboardRuntime.threadPoolQueueP50} / {result.dashboardRuntime.threadPoolQueueP99} / {queueMax}; {gcPause} ms in {gcCount[0]}/{gcCount[1]}/{gcCount[2]} gen0/1/2 collections | |");
        Console.WriteLine($"| rollout records ({(recording ? "on" : "off: records=0")}): {rollouts} rolling updates | {result.records.rolloutWrites} record writes, {result.records.pending} waiting, {result.records.dropped} dropped | none dropped: {(result.records.dropped == 0 ? "met" : "MISSED")} |");
        Console.WriteLine($"| dashboard working set / managed heap | {result.dashboardMemory.workingSetMiB} / {result.dashboardMemory.managedHeapMiB} MiB | |");
        Console.WriteLine($"| managed heap per hub client (idle, after its snapshot) | {result.dashboardMemory.perHubClientKiB} KiB | |");
        Console.WriteLine($"| managed heap per circuit | {result.dashboardMemory.perCircuitKiB} KiB | ≤ 500 KiB: {(result.dashboardMemory.perCircuitKiB <= 500 ? "met" : "MISSED")} |");
        Console.WriteLine($"| managed heap per cached pod (cache and hub feed) | {result.dashboardMemory.perCachedPodBytes} B | ≤ 2048 B: {(result.dashboardMemory.perCachedPodBytes <= 2048 ? "met" : "MISSED")} |");
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        var output = Path.Combine(Path.GetTempPath(), recording ? "rollout-bench-load.json" : "rollout-bench-load-records-off.json");
        await File.WriteAllTextAsync(output, json);
        Console.WriteLine($"JSON written to {output}");
    }

    /// <summary>One Deployment of <paramref name="replicas"/> pods in its own namespace, for the first render of a large deployment page.</summary>
    static async Task CreateBigDeploymentAsync(Dashboard.EmbeddedCluster.Hosting.EmbeddedClusterHost host, int replicas)
    {
        var api = host.Cluster.Api;
        api.Create(ResourceTypes.Namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "bench-big" } });
        api.Create(ResourceTypes.Deployments, "bench-big", (JsonObject)JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"big"},
             "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"big"}},
                     "template":{"metadata":{"labels":{"app":"big"}},"spec":{"containers":[{"name":"app","image":"registry.local/big:1.0"}]}}}}
            """.Replace("REPLICAS", replicas.ToString(CultureInfo.InvariantCulture)))!);
        while (host.Cluster.Store.Where(ResourceTypes.Pods, "bench-big", p => p.Object["status"]?["phase"]?.ToString() == "Running").Count < replicas)
            await Task.Delay(200);
    }

    static double P(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)], 1);

    static List<double> Latencies(IEnumerable<(long Rv, long At)> arrivals, ConcurrentDictionary<long, long> reference)
    {
        var list = arrivals.Where(a => reference.ContainsKey(a.Rv)).Select(a => (double)Math.Max(0, a.At - reference[a.Rv])).ToList();
        list.Sort();
        return list;
    }

    /// <summary>
    /// From navigation to the first paint showing <paramref name="selector"/>, with where the time went: the
    /// document, the scripts, the first paint, the layout and the data in the DOM.
    /// </summary>
    internal static async Task<double> TimeToFirstRenderAsync(Microsoft.Playwright.IBrowserContext context, string url, string selector)
    {
        var page = await context.NewPageAsync();
        var problems = new ConcurrentQueue<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") problems.Enqueue($"console {m.Type}: {m.Text}"); };
        page.Response += (_, r) => { if (r.Status >= 400) problems.Enqueue($"{r.Status} {r.Url}"); };
        await page.AddInitScriptAsync("""
            window.__marks = {};
            new MutationObserver(() => {
              if (!('shell' in window.__marks) && document.querySelector('.mud-appbar')) window.__marks.shell = performance.now();
              if (!('data' in window.__marks) && document.querySelector('SELECTOR')) window.__marks.data = performance.now();
            }).observe(document, { childList: true, subtree: true });
            """.Replace("SELECTOR", selector));
        var clock = Stopwatch.StartNew();
        // Not waiting for the load event: a prerendered page shows its rows before its scripts have loaded.
        await page.GotoAsync(url, new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Commit });
        try
        {
            await page.Locator(selector).First.WaitForAsync(new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "rollout-bench-load-timeout.png") });
            throw new TimeoutException($"{url} did not render {selector}: {string.Join("; ", problems)}");
        }
        var ms = clock.Elapsed.TotalMilliseconds;
        // The rows count as shown once a paint has followed them: wait for the first contentful paint and the load event's timings.
        await page.WaitForFunctionAsync("() => performance.getEntriesByName('first-contentful-paint').length > 0 && performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd > 0",
            null, new() { Timeout = 60_000 });
        var marks = await page.EvaluateAsync<Dictionary<string, double>>("""
            () => {
              const nav = performance.getEntriesByType('navigation')[0];
              const script = performance.getEntriesByType('resource').find(r => r.name.includes('blazor.web.js'));
              return { document: nav.responseEnd, scripts: script ? script.responseEnd : -1, domReady: nav.domContentLoadedEventEnd,
                       shell: window.__marks.shell ?? -1, data: window.__marks.data ?? -1,
                       paint: (performance.getEntriesByName('first-contentful-paint')[0] || { startTime: -1 }).startTime };
            }
            """);
        // Rows in the DOM are seen at the first paint that follows (the stylesheets hold back the first one).
        var shown = Math.Max(marks["data"], marks["paint"]);
        Console.WriteLine($"  {new Uri(url).PathAndQuery}: shown at {shown:0} ms; document {marks["document"]:0}, blazor.web.js {marks["scripts"]:0}, DOM ready {marks["domReady"]:0}, first paint {marks["paint"]:0}, layout in DOM {marks["shell"]:0}, data in DOM {marks["data"]:0} ms after navigation ({ms:0} ms until Playwright saw it)");
        await page.CloseAsync();
        return marks["data"] < 0 ? ms : shown;
    }

    sealed record Memory(long WorkingSet, long Heap, int Circuits, long CachedPods);

    static async Task<Memory> HeapAsync(HttpClient stats)
    {
        var json = await stats.GetFromJsonAsync<JsonObject>("stats?collect=true");
        var cached = json!["caches"]!.AsArray().Where(c => c!["resource"]!.ToString() == "pods").Sum(c => (long)c!["objects"]!);
        return new Memory((long)json["workingSetBytes"]!, (long)json["managedHeapBytes"]!, (int)json["circuits"]!, cached);
    }

    sealed record Runtime(double CpuSeconds, double ThreadPoolQueue, double GcPauseMs, int[] GcCollections);

    static async Task<Runtime> RuntimeAsync(HttpClient stats)
    {
        var runtime = (await stats.GetFromJsonAsync<JsonObject>("stats"))!["runtime"]!;
        return new((double)runtime["cpuSeconds"]!, (double)runtime["threadPoolQueue"]!, (double)runtime["gcPauseMs"]!, [.. runtime["gcCollections"]!.AsArray().Select(c => (int)c!)]);
    }

    /// <summary>CPU-seconds so far of this process (the cluster and the hub clients), the browser's processes and kubectl.</summary>
    static double[] CpuNow(Process kubectl)
    {
        static double Seconds(Process p)
        {
            try { return p.TotalProcessorTime.TotalSeconds; }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { return 0; }
        }
        return [Seconds(Process.GetCurrentProcess()), Process.GetProcessesByName("chromium").Sum(Seconds), Seconds(kubectl)];
    }

    sealed record Metrics(long Watches, long Lists, long Requests);

    static async Task<Metrics> ScrapeAsync(Dashboard.EmbeddedCluster.Hosting.EmbeddedClusterHost host)
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.AdminToken);
        var text = await http.GetStringAsync(new Uri(host.Server.ApiUri, "/metrics"));
        long Sum(string pattern) => Regex.Matches(text, pattern, RegexOptions.Multiline).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return new Metrics(
            Sum(@"^apiserver_longrunning_requests\{[^}]*verb=""WATCH""[^}]*\} (\d+)"),
            Sum(@"^apiserver_request_total\{[^}]*verb=""LIST""[^}]*\} (\d+)"),
            Sum(@"^apiserver_request_total\{[^}]*\} (\d+)"));
    }
}
