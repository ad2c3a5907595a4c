using k8s.Models;
using Dashboard.EmbeddedCluster.Api;
using static Dashboard.Kubernetes.DeploymentMath;
using static Dashboard.Kubernetes.WellKnown;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>
/// The Deployment controller of kube-controller-manager (pkg/controller/deployment), pass for pass:
/// one sync does at most one kind of scaling and then reports status, and the next event runs it again.
/// </summary>
public sealed class DeploymentController(ClusterApi api, EventRecorder events, ControllerLoop loop)
{
    readonly ClusterApi _api = api;
    readonly EventRecorder _events = events;
    readonly ControllerLoop _loop = loop;

    public const string Kind = "deployment";
    const string Component = "deployment-controller";
    const string Progressing = "Progressing";
    const string Available = "Available";
    const string ReplicaFailure = "ReplicaFailure";

    public void Sync(string key)
    {
        var (ns, name) = Keys.Split(key);
        var d = _api.TryGet<V1Deployment>(ResourceTypes.Deployments, ns, name);
        if (d is null) return;
        new Pass(this, d).Run();
    }

    /// <summary>One sync of one Deployment; holds the latest copy as writes return new versions.</summary>
    sealed class Pass(DeploymentController owner, V1Deployment d)
    {
        V1Deployment _d = d;
        ClusterApi Api => owner._api;
        DateTime Now => Api.Now;
        int Desired => _d.Spec.Replicas ?? 1;

        public void Run()
        {
            var selector = _d.Spec.Selector;
            if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
            {
                owner._events.Warning(Json(), "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.", Component);
                return;
            }
            var rsList = OwnedReplicaSets();
            if (_d.Metadata.DeletionTimestamp is not null)
            {
                var (newRs0, old0) = AllReplicaSetsAndSyncRevision(rsList, createIfNotExisted: false);
                SyncDeploymentStatus(Concat(old0, newRs0), newRs0);
                return;
            }
            CheckPausedConditions();
            if (_d.Spec.Paused == true) { SyncScaleAndStatus(rsList); return; }
            if (IsScalingEvent(rsList)) { SyncScaleAndStatus(OwnedReplicaSets()); return; }
            if (_d.Spec.Strategy?.Type == "Recreate") RolloutRecreate(OwnedReplicaSets());
            else RolloutRolling(OwnedReplicaSets());
        }

        System.Text.Json.Nodes.JsonObject Json()
        {
            var json = ModelJson.ToJson(_d);
            json["kind"] = "Deployment";
            json["apiVersion"] = "apps/v1";
            return json;
        }

        List<V1ReplicaSet> OwnedReplicaSets() =>
            Api.Store.OwnedBy(ResourceTypes.ReplicaSets, _d.Metadata.Uid).Where(o => Keys.IsControlledBy(o.Object, _d.Metadata.Uid))
                .Select(o => ModelJson.ToModel<V1ReplicaSet>(o.Object)).ToList();

        static List<V1ReplicaSet> Concat(List<V1ReplicaSet> old, V1ReplicaSet? newRs) => newRs is null ? [.. old] : [.. old, newRs];

        static List<V1ReplicaSet> Active(IEnumerable<V1ReplicaSet> sets) => sets.Where(rs => Replicas(rs) > 0).ToList();

        // ------------------------------------------------------------ revisions and the new ReplicaSet

        (V1ReplicaSet? NewRs, List<V1ReplicaSet> Old) AllReplicaSetsAndSyncRevision(List<V1ReplicaSet> rsList, bool createIfNotExisted)
        {
            var existing = FindNewReplicaSet(_d, rsList);
            var old = rsList.Where(rs => existing is null || rs.Metadata.Uid != existing.Metadata.Uid).ToList();
            return (NewReplicaSet(existing, old, createIfNotExisted), old);
        }

        V1ReplicaSet? NewReplicaSet(V1ReplicaSet? existing, List<V1ReplicaSet> old, bool createIfNotExisted)
        {
            var newRevision = (MaxRevision(old) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (existing is not null)
            {
                var rs = existing;
                var annotationsUpdated = SetNewReplicaSetAnnotations(rs, newRevision, exists: true);
                var minReadyNeedsUpdate = (rs.Spec.MinReadySeconds ?? 0) != (_d.Spec.MinReadySeconds ?? 0);
                if (annotationsUpdated || minReadyNeedsUpdate)
                {
                    rs.Spec.MinReadySeconds = _d.Spec.MinReadySeconds;
                    rs = Api.Update(ResourceTypes.ReplicaSets, rs);
                }
                var needsUpdate = SetDeploymentRevision(Metadata.Annotation(rs.Metadata, RevisionAnnotation) ?? "");
                if (HasProgressDeadline(_d) && Condition(_d.Status, Progressing) is null)
                {
                    SetCondition(_d.Status ??= new V1DeploymentStatus(), NewCondition(Progressing, "True", "FoundNewReplicaSet", $"Found new replica set \"{rs.Metadata.Name}\""));
                    needsUpdate = true;
                }
                if (needsUpdate) UpdateDeploymentStatus();
                return rs;
            }
            if (!createIfNotExisted) return null;

            var template = ModelJson.ToModel<V1PodTemplateSpec>(ModelJson.ToJson(_d.Spec.Template));
            var hash = ComputeHash(template, _d.Status?.CollisionCount);
            template.Metadata ??= new V1ObjectMeta();
            template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [PodTemplateHashLabel] = hash };
            var selector = ModelJson.ToModel<V1LabelSelector>(ModelJson.ToJson(_d.Spec.Selector));
            selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [PodTemplateHashLabel] = hash };
            var created = new V1ReplicaSet
            {
                ApiVersion = "apps/v1",
                Kind = "ReplicaSet",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{_d.Metadata.Name}-{hash}",
                    NamespaceProperty = _d.Metadata.NamespaceProperty,
                    Labels = template.Metadata.Labels,
                    OwnerReferences = [Keys.ControllerRef("apps/v1", "Deployment", _d.Metadata.Name, _d.Metadata.Uid)],
                },
                Spec = new V1ReplicaSetSpec { Replicas = 0, MinReadySeconds = _d.Spec.MinReadySeconds, Selector = selector, Template = template },
            };
            var newReplicas = NewReplicaSetReplicas(_d, Concat(old, created), created);
            created.Spec.Replicas = newReplicas;
            SetNewReplicaSetAnnotations(created, newRevision, exists: false);
            V1ReplicaSet result;
            try
            {
                result = Api.Create(ResourceTypes.ReplicaSets, created);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                var clash = Api.TryGet<V1ReplicaSet>(ResourceTypes.ReplicaSets, _d.Metadata.NamespaceProperty, created.Metadata.Name);
                if (clash is not null && Ownership.IsControlledBy(clash.Metadata, _d.Metadata.Uid) && EqualIgnoreHash(clash.Spec.Template, _d.Spec.Template))
                    return clash;
                // A hash collision: bump collisionCount so the next pass computes another name.
                _d.Status ??= new V1DeploymentStatus();
                _d.Status.CollisionCount = (_d.Status.CollisionCount ?? 0) + 1;
                UpdateDeploymentStatus();
                owner._loop.Enqueue(Kind, Keys.Of(_d.Metadata));
                return null;
            }
            catch (ApiException e)
            {
                _d.Status ??= new V1DeploymentStatus();
                SetCondition(_d.Status, NewCondition(Progressing, "False", "ReplicaSetCreateError", $"Failed to create new replica set \"{created.Metadata.Name}\": {e.Message}"));
                UpdateDeploymentStatus();
                throw;
            }
            if (newReplicas > 0)
                owner._events.Normal(Json(), "ScalingReplicaSet", $"Scaled up replica set {result.Metadata.Name} from 0 to {newReplicas}", Component);
            SetDeploymentRevision(newRevision);
            _d.Status ??= new V1DeploymentStatus();
            if (HasProgressDeadline(_d))
                SetCondition(_d.Status, NewCondition(Progressing, "True", "NewReplicaSetCreated", $"Created new replica set \"{result.Metadata.Name}\""));
            UpdateDeploymentStatus();
            return result;
        }

        bool SetNewReplicaSetAnnotations(V1ReplicaSet rs, string newRevision, bool exists)
        {
            rs.Metadata.Annotations ??= new Dictionary<string, string>();
            var annotations = rs.Metadata.Annotations;
            var changed = false;
            foreach (var (k, v) in _d.Metadata.Annotations ?? new Dictionary<string, string>())
            {
                if (AnnotationsToSkip.Contains(k) || (annotations.TryGetValue(k, out var cur) && cur == v)) continue;
                annotations[k] = v;
                changed = true;
            }
            var hadRevision = annotations.TryGetValue(RevisionAnnotation, out var oldRevision);
            long oldRevisionInt = 0;
            if (hadRevision && !long.TryParse(oldRevision, out oldRevisionInt)) return false;
            var newRevisionInt = long.Parse(newRevision, System.Globalization.CultureInfo.InvariantCulture);
            if (oldRevisionInt < newRevisionInt)
            {
                annotations[RevisionAnnotation] = newRevision;
                changed = true;
                if (hadRevision)
                {
                    // Rolling back to this ReplicaSet: keep the revisions it had for history.
                    var history = Metadata.ValueOf(annotations, RevisionHistoryAnnotation) ?? "";
                    var oldRevisions = history.Split(',').ToList();
                    if (oldRevisions[0].Length == 0) annotations[RevisionHistoryAnnotation] = oldRevision!;
                    else
                    {
                        var total = history.Length + oldRevision!.Length + 1;
                        var start = 0;
                        while (total > MaxRevisionHistoryLength && start < oldRevisions.Count)
                        {
                            total -= oldRevisions[start].Length + 1;
                            start++;
                        }
                        if (total <= MaxRevisionHistoryLength)
                            annotations[RevisionHistoryAnnotation] = string.Join(",", oldRevisions.Skip(start).Append(oldRevision));
                    }
                }
            }
            if (!exists && SetReplicasAnnotations(rs, Desired, Desired + MaxSurge(_d))) changed = true;
            return changed;
        }

        static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
        {
            rs.Metadata.Annotations ??= new Dictionary<string, string>();
            var a = rs.Metadata.Annotations;
            var desiredText = desired.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var maxText = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var changed = false;
            if (Metadata.ValueOf(a, DesiredReplicasAnnotation) != desiredText) { a[DesiredReplicasAnnotation] = desiredText; changed = true; }
            if (Metadata.ValueOf(a, MaxReplicasAnnotation) != maxText) { a[MaxReplicasAnnotation] = maxText; changed = true; }
            return changed;
        }

        bool SetDeploymentRevision(string revision)
        {
            _d.Metadata.Annotations ??= new Dictionary<string, string>();
            if (Metadata.Annotation(_d.Metadata, RevisionAnnotation) == revision) return false;
            _d.Metadata.Annotations[RevisionAnnotation] = revision;
            return true;
        }

        /// <summary>Status updates may carry the revision annotation; the status strategy keeps annotations.</summary>
        void UpdateDeploymentStatus() => _d = Api.UpdateStatus(ResourceTypes.Deployments, _d);

        // ------------------------------------------------------------ pause, scale, cleanup

        void CheckPausedConditions()
        {
            if (!HasProgressDeadline(_d)) return;
            var cond = Condition(_d.Status, Progressing);
            if (cond?.Reason == "ProgressDeadlineExceeded") return;
            var pausedExists = cond?.Reason == "DeploymentPaused";
            _d.Status ??= new V1DeploymentStatus();
            if (_d.Spec.Paused == true && !pausedExists)
                SetCondition(_d.Status, NewCondition(Progressing, "Unknown", "DeploymentPaused", "Deployment is paused"));
            else if (_d.Spec.Paused != true && pausedExists)
                SetCondition(_d.Status, NewCondition(Progressing, "Unknown", "DeploymentResumed", "Deployment is resumed"));
            else return;
            UpdateDeploymentStatus();
        }

        bool IsScalingEvent(List<V1ReplicaSet> rsList)
        {
            var (newRs, old) = AllReplicaSetsAndSyncRevision(rsList, createIfNotExisted: false);
            foreach (var rs in Active(Concat(old, newRs)))
            {
                if (Metadata.Annotation(rs.Metadata, DesiredReplicasAnnotation) is not { } text || !int.TryParse(text, out var desired)) continue;
                if (desired != Desired) return true;
            }
            return false;
        }

        void SyncScaleAndStatus(List<V1ReplicaSet> rsList)
        {
            var (newRs, old) = AllReplicaSetsAndSyncRevision(rsList, createIfNotExisted: false);
            Scale(newRs, old);
            if (_d.Spec.Paused == true) Cleanup(old);
            var refreshed = OwnedReplicaSets();
            var refreshedNew = newRs is null ? null : refreshed.FirstOrDefault(r => r.Metadata.Uid == newRs.Metadata.Uid);
            SyncDeploymentStatus(refreshed, refreshedNew);
        }

        void Scale(V1ReplicaSet? newRs, List<V1ReplicaSet> old)
        {
            var activeOrLatest = FindActiveOrLatest(newRs, old);
            if (activeOrLatest is not null)
            {
                if (Replicas(activeOrLatest) != Desired) ScaleReplicaSet(activeOrLatest, Desired);
                return;
            }
            if (IsSaturated(_d, newRs))
            {
                foreach (var rs in Active(old)) ScaleReplicaSet(rs, 0);
                return;
            }
            if (_d.Spec.Strategy?.Type != "RollingUpdate") return;
            var all = Active(Concat(old, newRs));
            var allowed = Desired > 0 ? Desired + MaxSurge(_d) : 0;
            var toAdd = allowed - SumSpec(all);
            if (toAdd > 0) all = all.OrderByDescending(Replicas).ThenByDescending(rs => rs.Metadata.CreationTimestamp).ToList();
            else if (toAdd < 0) all = all.OrderByDescending(Replicas).ThenBy(rs => rs.Metadata.CreationTimestamp).ToList();
            var added = 0;
            var sizes = new Dictionary<string, int>();
            foreach (var rs in all)
            {
                if (toAdd != 0)
                {
                    var proportion = Proportion(rs, _d, toAdd, added, _d.Status?.Replicas ?? 0);
                    sizes[rs.Metadata.Name] = Replicas(rs) + proportion;
                    added += proportion;
                }
                else sizes[rs.Metadata.Name] = Replicas(rs);
            }
            for (var i = 0; i < all.Count; i++)
            {
                var rs = all[i];
                if (i == 0 && toAdd != 0) sizes[rs.Metadata.Name] = Math.Max(0, sizes[rs.Metadata.Name] + toAdd - added);
                ScaleReplicaSet(rs, sizes[rs.Metadata.Name]);
            }
        }

        static V1ReplicaSet? FindActiveOrLatest(V1ReplicaSet? newRs, List<V1ReplicaSet> old)
        {
            if (newRs is null && old.Count == 0) return null;
            var newestFirst = ByCreation(old);
            newestFirst.Reverse();
            var active = Active(Concat(newestFirst, newRs));
            return active.Count switch
            {
                0 => newRs ?? newestFirst[0],
                1 => active[0],
                _ => null,
            };
        }

        V1ReplicaSet ScaleReplicaSet(V1ReplicaSet rs, int newScale)
        {
            var oldScale = Replicas(rs);
            var sizeChanged = oldScale != newScale;
            var copy = ModelJson.ToModel<V1ReplicaSet>(ModelJson.ToJson(rs));
            var annotationsChanged = SetReplicasAnnotations(copy, Desired, Desired + MaxSurge(_d));
            if (!sizeChanged && !annotationsChanged) return rs;
            copy.Spec.Replicas = newScale;
            var updated = Api.Update(ResourceTypes.ReplicaSets, copy);
            if (sizeChanged)
            {
                var direction = newScale > oldScale ? "up" : "down";
                owner._events.Normal(Json(), "ScalingReplicaSet", $"Scaled {direction} replica set {rs.Metadata.Name} from {oldScale} to {newScale}", Component);
            }
            return updated;
        }

        void Cleanup(List<V1ReplicaSet> old)
        {
            if (_d.Spec.RevisionHistoryLimit is not { } limit || limit == int.MaxValue) return;
            var cleanable = old.Where(rs => rs.Metadata.DeletionTimestamp is null).ToList();
            var diff = cleanable.Count - limit;
            if (diff <= 0) return;
            cleanable = cleanable.OrderBy(Revision).ThenBy(rs => rs.Metadata.CreationTimestamp).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal).ToList();
            for (var i = 0; i < diff; i++)
            {
                var rs = cleanable[i];
                if ((rs.Status?.Replicas ?? 0) != 0 || Replicas(rs) != 0 || (rs.Metadata.Generation ?? 0) > (rs.Status?.ObservedGeneration ?? 0)) continue;
                try { Api.Delete(ResourceTypes.ReplicaSets, rs.Metadata.NamespaceProperty, rs.Metadata.Name); }
                catch (ApiException e) when (e.Code == 404) { }
            }
        }

        // ------------------------------------------------------------ strategies

        void RolloutRolling(List<V1ReplicaSet> rsList)
        {
            var (newRs, old) = AllReplicaSetsAndSyncRevision(rsList, createIfNotExisted: true);
            if (newRs is null) return;
            var all = Concat(old, newRs);

            if (ReconcileNewReplicaSet(all, newRs)) { SyncRolloutStatus(); return; }
            if (ReconcileOldReplicaSets(all, Active(old), newRs)) { SyncRolloutStatus(); return; }
            if (IsComplete(_d, _d.Status ?? new V1DeploymentStatus())) Cleanup(old);
            SyncRolloutStatus();
        }

        bool ReconcileNewReplicaSet(List<V1ReplicaSet> all, V1ReplicaSet newRs)
        {
            if (Replicas(newRs) == Desired) return false;
            if (Replicas(newRs) > Desired) { ScaleReplicaSet(newRs, Desired); return true; }
            var count = NewReplicaSetReplicas(_d, all, newRs);
            return !ReferenceEquals(ScaleReplicaSet(newRs, count), newRs) && count != Replicas(newRs);
        }

        bool ReconcileOldReplicaSets(List<V1ReplicaSet> all, List<V1ReplicaSet> old, V1ReplicaSet newRs)
        {
            if (SumSpec(old) == 0) return false;
            var maxScaledDown = MaxScaledDown(_d, all, newRs);
            if (maxScaledDown <= 0) return false;

            var sorted = ByCreation(old);
            var cleaned = 0;
            for (var i = 0; i < sorted.Count && cleaned < maxScaledDown; i++)
            {
                var rs = sorted[i];
                if (Replicas(rs) == 0) continue;
                var available = rs.Status?.AvailableReplicas ?? 0;
                if (Replicas(rs) == available) continue;
                var count = Math.Min(maxScaledDown - cleaned, Replicas(rs) - available);
                sorted[i] = ScaleReplicaSet(rs, Replicas(rs) - count);
                cleaned += count;
            }

            var minAvailable = Desired - MaxUnavailable(_d);
            var availableNow = SumAvailable(Concat(sorted, newRs));
            var scaledDown = 0;
            if (availableNow > minAvailable)
            {
                var budget = availableNow - minAvailable;
                foreach (var rs in ByCreation(sorted))
                {
                    if (scaledDown >= budget) break;
                    if (Replicas(rs) == 0) continue;
                    var count = Math.Min(Replicas(rs), budget - scaledDown);
                    ScaleReplicaSet(rs, Replicas(rs) - count);
                    scaledDown += count;
                }
            }
            return cleaned + scaledDown > 0;
        }

        void RolloutRecreate(List<V1ReplicaSet> rsList)
        {
            var (newRs, old) = AllReplicaSetsAndSyncRevision(rsList, createIfNotExisted: false);
            var scaledDown = false;
            foreach (var rs in Active(old))
            {
                ScaleReplicaSet(rs, 0);
                scaledDown = true;
            }
            if (scaledDown) { SyncRolloutStatus(); return; }
            if (OldPodsRunning(newRs, old)) { SyncRolloutStatus(); return; }
            if (newRs is null)
            {
                (newRs, old) = AllReplicaSetsAndSyncRevision(OwnedReplicaSets(), createIfNotExisted: true);
                if (newRs is null) return;
            }
            if (Replicas(newRs) != Desired) ScaleReplicaSet(newRs, Desired);
            if (IsComplete(_d, _d.Status ?? new V1DeploymentStatus())) Cleanup(old);
            SyncRolloutStatus();
        }

        bool OldPodsRunning(V1ReplicaSet? newRs, List<V1ReplicaSet> old)
        {
            if (old.Sum(rs => rs.Status?.Replicas ?? 0) > 0) return true;
            var oldUids = old.Select(rs => rs.Metadata.Uid).ToHashSet();
            return oldUids.SelectMany(uid => Api.Store.OwnedBy(ResourceTypes.Pods, uid))
                .Any(p => p.Object["status"]?["phase"]?.ToString() is not ("Succeeded" or "Failed"));
        }

        // ------------------------------------------------------------ status and progress

        V1DeploymentStatus CalculateStatus(List<V1ReplicaSet> all, V1ReplicaSet? newRs)
        {
            var available = SumAvailable(all);
            var total = SumSpec(all);
            var status = new V1DeploymentStatus
            {
                ObservedGeneration = _d.Metadata.Generation,
                Replicas = all.Sum(rs => rs.Status?.Replicas ?? 0),
                UpdatedReplicas = newRs?.Status?.Replicas ?? 0,
                ReadyReplicas = all.Sum(rs => rs.Status?.ReadyReplicas ?? 0),
                AvailableReplicas = available,
                UnavailableReplicas = Math.Max(0, total - available),
                TerminatingReplicas = all.Any(rs => rs.Status?.TerminatingReplicas is not null) ? all.Sum(rs => rs.Status?.TerminatingReplicas ?? 0) : null,
                CollisionCount = _d.Status?.CollisionCount,
                Conditions = (_d.Status?.Conditions ?? []).Select(c => ModelJson.ToModel<V1DeploymentCondition>(ModelJson.ToJson(c))).ToList(),
            };
            SetCondition(status, available >= Desired - MaxUnavailable(_d)
                ? NewCondition(Available, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
                : NewCondition(Available, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
            return status;
        }

        void SyncDeploymentStatus(List<V1ReplicaSet> all, V1ReplicaSet? newRs)
        {
            var status = CalculateStatus(all, newRs);
            if (SameStatus(_d.Status, status)) return;
            _d.Status = status;
            UpdateDeploymentStatus();
        }

        void SyncRolloutStatus()
        {
            // Scaling writes changed the ReplicaSets; report what they are now.
            var all = OwnedReplicaSets();
            var newRs = FindNewReplicaSet(_d, all);
            var status = CalculateStatus(all, newRs);
            if (!HasProgressDeadline(_d)) status.Conditions = status.Conditions?.Where(c => c.Type != Progressing).ToList();
            var current = Condition(_d.Status, Progressing);
            var isComplete = status.Replicas == status.UpdatedReplicas && current?.Reason == "NewReplicaSetAvailable";
            if (HasProgressDeadline(_d) && !isComplete)
            {
                if (IsComplete(_d, status))
                {
                    var message = newRs is not null ? $"ReplicaSet \"{newRs.Metadata.Name}\" has successfully progressed." : "Deployment has successfully progressed.";
                    SetCondition(status, NewCondition(Progressing, "True", "NewReplicaSetAvailable", message));
                }
                else if (IsProgressing(_d.Status ?? new V1DeploymentStatus(), status))
                {
                    var message = newRs is not null ? $"ReplicaSet \"{newRs.Metadata.Name}\" is progressing." : "Deployment is progressing.";
                    var condition = NewCondition(Progressing, "True", "ReplicaSetUpdated", message);
                    if (current is not null)
                    {
                        if (current.Status == "True") condition.LastTransitionTime = current.LastTransitionTime;
                        status.Conditions = status.Conditions!.Where(c => c.Type != Progressing).ToList();
                    }
                    SetCondition(status, condition);
                }
                else if (TimedOut(status))
                {
                    var message = newRs is not null ? $"ReplicaSet \"{newRs.Metadata.Name}\" has timed out progressing." : $"Deployment \"{_d.Metadata.Name}\" has timed out progressing.";
                    SetCondition(status, NewCondition(Progressing, "False", "ProgressDeadlineExceeded", message));
                }
            }

            var failure = all.Where(rs => newRs is null || rs.Metadata.Uid == newRs.Metadata.Uid)
                .SelectMany(rs => rs.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == ReplicaFailure);
            if (failure is not null)
                SetCondition(status, new V1DeploymentCondition
                {
                    Type = ReplicaFailure, Status = failure.Status, Reason = failure.Reason, Message = failure.Message,
                    LastTransitionTime = failure.LastTransitionTime, LastUpdateTime = failure.LastTransitionTime,
                });
            else status.Conditions = status.Conditions?.Where(c => c.Type != ReplicaFailure).ToList();

            if (SameStatus(_d.Status, status))
            {
                RequeueStuck(status);
                return;
            }
            _d.Status = status;
            UpdateDeploymentStatus();
        }

        bool TimedOut(V1DeploymentStatus status)
        {
            var cond = Condition(status, Progressing);
            if (cond is null || cond.Reason == "NewReplicaSetAvailable") return false;
            if (cond.Reason == "ProgressDeadlineExceeded") return true;
            var from = cond.LastUpdateTime ?? Now;
            return from.AddSeconds(_d.Spec.ProgressDeadlineSeconds ?? 600) < Now;
        }

        void RequeueStuck(V1DeploymentStatus status)
        {
            var cond = Condition(_d.Status, Progressing);
            if (!HasProgressDeadline(_d) || cond is null) return;
            if (IsComplete(_d, status) || cond.Reason == "ProgressDeadlineExceeded") return;
            var after = (cond.LastUpdateTime ?? Now).AddSeconds(_d.Spec.ProgressDeadlineSeconds ?? 600) - Now;
            owner._loop.EnqueueAfter(Kind, Keys.Of(_d.Metadata), after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after + TimeSpan.FromSeconds(1));
        }

        V1DeploymentCondition NewCondition(string type, string status, string reason, string message) => new()
        {
            Type = type, Status = status, Reason = reason, Message = message, LastUpdateTime = Now, LastTransitionTime = Now,
        };
    }

    static V1DeploymentCondition? Condition(V1DeploymentStatus? status, string type) => status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>SetDeploymentCondition: a no-op for the same status and reason; keeps the transition time when only the reason moves.</summary>
    static void SetCondition(V1DeploymentStatus status, V1DeploymentCondition condition)
    {
        var current = Condition(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason) return;
        if (current is not null && current.Status == condition.Status) condition.LastTransitionTime = current.LastTransitionTime;
        status.Conditions = (status.Conditions ?? []).Where(c => c.Type != condition.Type).Append(condition).ToList();
    }

    static bool SameStatus(V1DeploymentStatus? a, V1DeploymentStatus b) =>
        ModelJson.Canonical(ModelJson.ToJson(a ?? new V1DeploymentStatus())) == ModelJson.Canonical(ModelJson.ToJson(b));
}
