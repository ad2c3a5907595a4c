using k8s.Models;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>
/// The scheduler and the kubelets of a few simulated nodes. A pod is scheduled, shows
/// ContainerCreating while its image "pulls", runs, turns Ready after its readiness probe's
/// initialDelaySeconds, and on deletion stays Terminating for its shutdown time (capped by the
/// grace period) before it goes. Failure modes by image tag, so rollouts can go wrong on purpose:
/// a tag containing <c>broken</c> never pulls (ErrImagePull, then ImagePullBackOff); one containing
/// <c>crash</c> starts and exits again and again (CrashLoopBackOff); one containing <c>unready</c>
/// runs but never passes its readiness probe.
/// </summary>
public sealed partial class SimulatedKubelet(ClusterApi api, EventRecorder events, ControllerLoop loop, EmbeddedClusterOptions options)
{
    public const string Kind = "kubelet";
    const string Component = "kubelet";

    // Base delays at TimeScale 1.
    static readonly TimeSpan ScheduleDelay = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan PullAndStartDelay = TimeSpan.FromMilliseconds(1500);
    static readonly TimeSpan ProbeDelay = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan ShutdownDelay = TimeSpan.FromMilliseconds(1500);
    static readonly TimeSpan CrashAfter = TimeSpan.FromMilliseconds(1500);
    static readonly TimeSpan BackOffBase = TimeSpan.FromSeconds(10);
    /// <summary>How long the simulated application takes to answer after its container starts.</summary>
    static readonly TimeSpan AppWarmup = TimeSpan.FromMilliseconds(2000);

    readonly Lock _gate = new();
    readonly Dictionary<string, (string Stage, DateTimeOffset Due)> _timeline = [];
    // Precise container start times (the API's timestamps have one-second resolution).
    readonly Dictionary<string, DateTimeOffset> _appStarted = [];
    int _nextNode;

    public List<string> NodeNames { get; } = Enumerable.Range(1, Math.Max(1, options.Nodes)).Select(i => $"embedded-node-{i}").ToList();

    TimeSpan Scaled(TimeSpan delay) => delay * options.TimeScale;

    DateTimeOffset Now => api.Clock.GetUtcNow();

    public void EnsureNodes()
    {
        for (var i = 0; i < NodeNames.Count; i++)
        {
            var name = NodeNames[i];
            if (api.Find(ResourceTypes.Nodes, null, name) is not null) continue;
            var now = api.Now;
            var node = new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64" },
                },
                Spec = new V1NodeSpec { PodCIDR = $"10.244.{i}.0/24" },
                Status = new V1NodeStatus
                {
                    Addresses = [new V1NodeAddress { Type = "InternalIP", Address = $"192.168.49.{i + 2}" }, new V1NodeAddress { Type = "Hostname", Address = name }],
                    Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("8"), ["memory"] = new("32Gi"), ["pods"] = new("5000") },
                    Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("8"), ["memory"] = new("32Gi"), ["pods"] = new("5000") },
                    Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now }],
                    NodeInfo = new V1NodeSystemInfo
                    {
                        KubeletVersion = "v1.32.4", KubeProxyVersion = "v1.32.4", ContainerRuntimeVersion = "containerd://1.7.24", OperatingSystem = "linux",
                        Architecture = "amd64", OsImage = "Rollout Dashboard embedded node", KernelVersion = Environment.OSVersion.Version.ToString(),
                        MachineID = name, SystemUUID = name, BootID = name,
                    },
                },
            };
            api.Create(ResourceTypes.Nodes, null, ModelJson.ToJson(node), new WriteOptions(Manager: FieldManager.Kubelet));
        }
    }

    public void Forget(string uid)
    {
        lock (_gate)
        {
            _timeline.Remove(uid);
            _appStarted.Remove(uid);
        }
    }

    /// <summary>
    /// Whether the pod's application answers a request now, and why not. It answers once it has
    /// warmed up after its container started (whatever its readiness says: without a probe, a pod is
    /// Ready before its app can serve), and stops answering when it is told to terminate, unless a
    /// preStop hook keeps it serving while load balancers catch up.
    /// </summary>
    public (bool Serving, string Reason) AppServing(V1Pod pod)
    {
        var now = Now;
        if (pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not { } running) return (false, "its container is not running");
        if (IsCrashing(pod)) return (false, "its application crashed");
        DateTimeOffset started;
        lock (_gate)
            started = _appStarted.TryGetValue(pod.Metadata.Uid, out var precise) ? precise
                : running.StartedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now;
        if (now < started + Scaled(AppWarmup)) return (false, "its application is still starting");
        if (pod.Metadata.DeletionTimestamp is { } deletion)
        {
            var grace = TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? 30);
            var terminatingSince = new DateTimeOffset(DateTime.SpecifyKind(deletion, DateTimeKind.Utc)) - grace;
            var preStop = TimeSpan.FromSeconds(Lifecycle.PreStopSeconds(pod.Spec));
            if (preStop == TimeSpan.Zero) return (false, "it is terminating and has no preStop hook: SIGTERM stopped it at once");
            if (now >= terminatingSince + preStop) return (false, "it is terminating and its preStop hook has ended");
        }
        return (true, "");
    }

    /// <summary>True when the stage's delay has passed; otherwise schedules a wake-up for it.</summary>
    bool Due(string key, string uid, string stage, TimeSpan delay)
    {
        lock (_gate)
        {
            if (!_timeline.TryGetValue(uid, out var entry) || entry.Stage != stage)
            {
                entry = (stage, Now + delay);
                _timeline[uid] = entry;
            }
            var remaining = entry.Due - Now;
            if (remaining <= TimeSpan.Zero) return true;
            loop.EnqueueAfter(Kind, key, remaining);
            return false;
        }
    }

    public void Sync(string key)
    {
        var (ns, name) = Keys.Split(key);
        var stored = api.Find(ResourceTypes.Pods, ns, name);
        if (stored is null) return;
        var pod = ModelJson.ToModel<V1Pod>(stored.Object);
        var uid = pod.Metadata.Uid;
        var containers = pod.Spec.Containers;

        if (pod.Metadata.DeletionTimestamp is { } deletion)
        {
            Terminate(key, pod, stored.Object, deletion);
            return;
        }
        if (pod.Status?.Phase is "Succeeded" or "Failed") return;

        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            if (!Due(key, uid, "schedule", Scaled(ScheduleDelay))) return;
            Schedule(pod, stored.Object);
            return;
        }

        var status = pod.Status!;
        var first = status.ContainerStatuses?.FirstOrDefault();
        var waiting = first?.State?.Waiting?.Reason;
        var image = containers[0].Image;

        switch (waiting)
        {
            case "ContainerCreating":
                if (!Due(key, uid, "start", Scaled(PullAndStartDelay))) return;
                if (pod.Spec.Containers.FirstOrDefault(c => !ImageReference.IsValid(c.Image)) is { } invalid)
                {
                    SetWaiting(pod, "InvalidImageName", $"Failed to apply default image tag \"{invalid.Image}\": couldn't parse image name \"{invalid.Image}\": invalid reference format");
                    events.Record(stored.Object, "Warning", "InspectFailed", $"Failed to apply default image tag \"{invalid.Image}\": couldn't parse image name \"{invalid.Image}\": invalid reference format", Component, pod.Spec.NodeName);
                }
                else if (IsBroken(pod)) FailPull(pod, stored.Object);
                else StartContainers(pod, stored.Object, restarted: false);
                return;
            case "ErrImagePull":
                if (!Due(key, uid, "backoff-pull", Scaled(TimeSpan.FromSeconds(2)))) return;
                SetWaiting(pod, "ImagePullBackOff", $"Back-off pulling image \"{BrokenImage(pod)}\"");
                events.Record(stored.Object, "Normal", "BackOff", $"Back-off pulling image \"{BrokenImage(pod)}\"", Component, pod.Spec.NodeName);
                events.Record(stored.Object, "Warning", "Failed", "Error: ImagePullBackOff", Component, pod.Spec.NodeName);
                return;
            case "ImagePullBackOff" or "InvalidImageName":
                return;
            case "CrashLoopBackOff":
                var restarts = first?.RestartCount ?? 1;
                var backOff = TimeSpan.FromTicks(Math.Min(BackOffBase.Ticks << Math.Min(restarts - 1, 5), TimeSpan.FromMinutes(5).Ticks));
                if (!Due(key, uid, $"restart-{restarts}", Scaled(backOff))) return;
                StartContainers(pod, stored.Object, restarted: true);
                return;
        }

        if (first?.State?.Running is not null)
        {
            if (IsCrashing(pod))
            {
                if (!Due(key, uid, $"crash-{first.RestartCount}", Scaled(CrashAfter))) return;
                Crash(pod, stored.Object);
                return;
            }
            if (PodState.IsReady(pod) || IsNeverReady(pod)) return;
            var probe = containers.Select(c => c.ReadinessProbe).FirstOrDefault(p => p is not null);
            // A readiness probe passes once the app answers: not before its warm-up, nor its initialDelaySeconds.
            var initialDelay = TimeSpan.FromSeconds(probe?.InitialDelaySeconds ?? 0);
            var delay = probe is null ? TimeSpan.Zero : (initialDelay > Scaled(AppWarmup) ? initialDelay : Scaled(AppWarmup)) + Scaled(ProbeDelay);
            if (!Due(key, uid, "ready", delay)) return;
            MarkReady(pod);
        }
    }

    static bool ImageHas(V1Pod pod, string word) => pod.Spec.Containers.Any(c => TagOf(c.Image).Contains(word, StringComparison.OrdinalIgnoreCase));

    static string TagOf(string? image)
    {
        if (string.IsNullOrEmpty(image)) return "";
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[(colon + 1)..] : "";
    }

    static bool IsBroken(V1Pod pod) => ImageHas(pod, "broken");
    static bool IsCrashing(V1Pod pod) => ImageHas(pod, "crash");
    static bool IsNeverReady(V1Pod pod) => ImageHas(pod, "unready");
    static string BrokenImage(V1Pod pod) => pod.Spec.Containers.First(c => TagOf(c.Image).Contains("broken", StringComparison.OrdinalIgnoreCase)).Image;

    void Schedule(V1Pod pod, System.Text.Json.Nodes.JsonObject podJson)
    {
        var nodeIndex = Interlocked.Increment(ref _nextNode) % NodeNames.Count;
        var node = NodeNames[nodeIndex];
        pod.Spec.NodeName = node;
        var updated = api.Update(ResourceTypes.Pods, pod, FieldManager.Kubelet);
        var now = api.Now;
        updated.Status ??= new V1PodStatus();
        updated.Status.HostIP = $"192.168.49.{nodeIndex + 2}";
        updated.Status.HostIPs = [new V1HostIP { Ip = updated.Status.HostIP }];
        updated.Status.Conditions =
        [
            new V1PodCondition { Type = "PodReadyToStartContainers", Status = "False", LastTransitionTime = now },
            new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = now },
            new V1PodCondition { Type = "Ready", Status = "False", LastTransitionTime = now, Reason = "ContainersNotReady", Message = $"containers with unready status: [{string.Join(" ", pod.Spec.Containers.Select(c => c.Name))}]" },
            new V1PodCondition { Type = "ContainersReady", Status = "False", LastTransitionTime = now, Reason = "ContainersNotReady", Message = $"containers with unready status: [{string.Join(" ", pod.Spec.Containers.Select(c => c.Name))}]" },
            new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
        ];
        updated.Status.StartTime = now;
        updated.Status.ContainerStatuses = pod.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name, Image = c.Image, ImageID = "", Ready = false, RestartCount = 0, Started = false,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
        }).ToList();
        api.UpdateStatus(ResourceTypes.Pods, updated, FieldManager.Kubelet);
        events.Record(podJson, "Normal", "Scheduled", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {node}", "default-scheduler");
        foreach (var c in pod.Spec.Containers)
            events.Record(podJson, "Normal", "Pulling", $"Pulling image \"{c.Image}\"", Component, node);
    }

    void FailPull(V1Pod pod, System.Text.Json.Nodes.JsonObject podJson)
    {
        var image = BrokenImage(pod);
        var message = $"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found";
        SetWaiting(pod, "ErrImagePull", message);
        events.Record(podJson, "Warning", "Failed", $"Failed to pull image \"{image}\": {message}", Component, pod.Spec.NodeName);
        events.Record(podJson, "Warning", "Failed", "Error: ErrImagePull", Component, pod.Spec.NodeName);
    }

    void SetWaiting(V1Pod pod, string reason, string message)
    {
        foreach (var cs in pod.Status.ContainerStatuses ?? [])
            if (!IsBroken(pod) || TagOf(cs.Image).Contains("broken", StringComparison.OrdinalIgnoreCase) || reason == "CrashLoopBackOff")
                cs.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };
        api.UpdateStatus(ResourceTypes.Pods, pod, FieldManager.Kubelet);
    }

    void StartContainers(V1Pod pod, System.Text.Json.Nodes.JsonObject podJson, bool restarted)
    {
        var now = api.Now;
        var status = pod.Status;
        status.Phase = "Running";
        var nodeIndex = NodeNames.IndexOf(pod.Spec.NodeName);
        if (status.PodIP is null)
        {
            status.PodIP = pod.Spec.HostNetwork == true ? status.HostIP : $"10.244.{Math.Max(0, nodeIndex)}.{Random.Shared.Next(2, 254)}";
            status.PodIPs = [new V1PodIP { Ip = status.PodIP }];
        }
        SetCondition(status, "PodReadyToStartContainers", "True", now);
        lock (_gate) _appStarted[pod.Metadata.Uid] = Now;
        foreach (var cs in status.ContainerStatuses ?? [])
        {
            var last = cs.State?.Terminated;
            cs.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } };
            if (last is not null) cs.LastState = new V1ContainerState { Terminated = last };
            cs.Started = true;
            cs.ImageID = $"{cs.Image}@sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(cs.Image)))}";
            cs.ContainerID = $"containerd://{Guid.NewGuid():N}{Guid.NewGuid():N}";
        }
        // A container without a readiness probe is ready as soon as it runs.
        var noProbe = pod.Spec.Containers.All(c => c.ReadinessProbe is null);
        if (noProbe && !IsCrashing(pod) && !IsNeverReady(pod)) SetReady(pod, now);
        api.UpdateStatus(ResourceTypes.Pods, pod, FieldManager.Kubelet);
        if (!restarted)
            foreach (var c in pod.Spec.Containers)
                events.Record(podJson, "Normal", "Pulled", $"Successfully pulled image \"{c.Image}\" in {PullAndStartDelay.TotalSeconds * options.TimeScale:0.###}s", Component, pod.Spec.NodeName);
        foreach (var c in pod.Spec.Containers)
        {
            events.Record(podJson, "Normal", "Created", $"Created container: {c.Name}", Component, pod.Spec.NodeName);
            events.Record(podJson, "Normal", "Started", $"Started container {c.Name}", Component, pod.Spec.NodeName);
        }
    }

    void MarkReady(V1Pod pod)
    {
        SetReady(pod, api.Now);
        api.UpdateStatus(ResourceTypes.Pods, pod, FieldManager.Kubelet);
    }

    static void SetReady(V1Pod pod, DateTime now)
    {
        foreach (var cs in pod.Status.ContainerStatuses ?? []) cs.Ready = true;
        SetCondition(pod.Status, "ContainersReady", "True", now);
        SetCondition(pod.Status, "Ready", "True", now);
    }

    void Crash(V1Pod pod, System.Text.Json.Nodes.JsonObject podJson)
    {
        var now = api.Now;
        foreach (var cs in pod.Status.ContainerStatuses ?? [])
        {
            var started = cs.State?.Running?.StartedAt;
            cs.LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", StartedAt = started, FinishedAt = now, ContainerID = cs.ContainerID } };
            cs.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff", Message = $"back-off restarting failed container {cs.Name} in pod {pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})" } };
            cs.RestartCount += 1;
            cs.Ready = false;
            cs.Started = false;
        }
        api.UpdateStatus(ResourceTypes.Pods, pod, FieldManager.Kubelet);
        events.Record(podJson, "Warning", "BackOff", $"Back-off restarting failed container {pod.Spec.Containers[0].Name} in pod {pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})", Component, pod.Spec.NodeName);
    }

    static void SetCondition(V1PodStatus status, string type, string value, DateTime now)
    {
        status.Conditions ??= [];
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is not null && existing.Status == value) return;
        status.Conditions = status.Conditions.Where(c => c.Type != type)
            .Append(new V1PodCondition { Type = type, Status = value, LastTransitionTime = now }).ToList();
    }

    void Terminate(string key, V1Pod pod, System.Text.Json.Nodes.JsonObject podJson, DateTime deletion)
    {
        var grace = TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? 30);
        var preStop = Lifecycle.PreStopSeconds(pod.Spec);
        // The container stops once its preStop hook has run and SIGTERM has been handled; never after the grace period.
        var shutdown = TimeSpan.FromSeconds(preStop) + Scaled(ShutdownDelay);
        if (shutdown > grace) shutdown = grace;
        var startedTerminating = new DateTimeOffset(DateTime.SpecifyKind(deletion, DateTimeKind.Utc)) - grace;
        var stage = "terminate";
        bool due;
        lock (_gate)
        {
            if (!_timeline.TryGetValue(pod.Metadata.Uid, out var entry) || entry.Stage != stage)
            {
                var at = Now + shutdown;
                if (startedTerminating + shutdown < at && startedTerminating > Now - TimeSpan.FromSeconds(5)) at = startedTerminating + shutdown;
                _timeline[pod.Metadata.Uid] = entry = (stage, at);
                if (pod.Status?.ContainerStatuses is { Count: > 0 } && pod.Status.Phase == "Running")
                    events.Record(podJson, "Normal", "Killing", $"Stopping container {pod.Spec.Containers[0].Name}", Component, pod.Spec.NodeName);
            }
            due = entry.Due <= Now;
            if (!due) loop.EnqueueAfter(Kind, key, entry.Due - Now);
        }
        if (!due) return;
        api.Store.Delete(ResourceTypes.Pods, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        Forget(pod.Metadata.Uid);
    }

}
