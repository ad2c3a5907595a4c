using k8s;
using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>The subset of kube-apiserver validation (pkg/apis/*/validation) that protects this cluster's invariants.</summary>
public static class Validation
{
    /// <summary>The message for a path segment name (a namespace or name in a URL) that can never be valid.</summary>
    public static string? NameError(ResourceType type, string name)
    {
        if (type == ResourceTypes.Namespaces) return Names.IsLabel(name) ? null : Names.Rfc1123LabelMessage;
        if (type == ResourceTypes.Services) return Names.IsDns1035Label(name) ? null : Names.Rfc1035LabelMessage;
        if (type.Group == "rbac.authorization.k8s.io") return name.Length > 0 && !name.Contains('/') && !name.Contains('%') ? null : "may not contain '/' or '%'";
        return Names.IsSubdomain(name) ? null : Names.Rfc1123SubdomainMessage;
    }

    public static List<(string Field, string Type, string Message)> Validate(ResourceType type, object model, object? old)
    {
        var errors = new List<(string, string, string)>();
        var meta = model switch { IKubernetesObject<V1ObjectMeta> o => o.Metadata, _ => null };
        if (meta is not null)
        {
            if (string.IsNullOrEmpty(meta.Name)) errors.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
            else if (NameError(type, meta.Name) is { } message) errors.Add(("metadata.name", "FieldValueInvalid", $"Invalid value: \"{meta.Name}\": {message}"));
            if (meta.Labels is not null)
                foreach (var value in meta.Labels.Values)
                    if (value.Length > 63) errors.Add(("metadata.labels", "FieldValueInvalid", $"Invalid value: \"{value}\": must be no more than 63 characters"));
            if (meta.Annotations is not null && meta.Annotations.Sum(a => a.Key.Length + a.Value.Length) > 256 * 1024)
                errors.Add(("metadata.annotations", "FieldValueTooLong", "Too long: must have at most 262144 bytes"));
        }

        switch (model)
        {
            case V1Deployment d: DeploymentSpec(d, old as V1Deployment, errors); break;
            case V1ReplicaSet rs:
                if (rs.Spec?.Replicas < 0) errors.Add(("spec.replicas", "FieldValueInvalid", $"Invalid value: {rs.Spec.Replicas}: must be greater than or equal to 0"));
                if (rs.Spec?.Template is { } t) PodSpec(t.Spec, "spec.template.spec", errors);
                break;
            case V1Pod p: PodSpec(p.Spec, "spec", errors); break;
            case V1Service s:
                if (s.Spec?.Ports is { } ports)
                    for (var i = 0; i < ports.Count; i++)
                        if (ports[i].Port is < 1 or > 65535)
                            errors.Add(($"spec.ports[{i}].port", "FieldValueInvalid", $"Invalid value: {ports[i].Port}: must be between 1 and 65535, inclusive"));
                break;
        }
        return errors;
    }

    static void DeploymentSpec(V1Deployment d, V1Deployment? old, List<(string, string, string)> errors)
    {
        var spec = d.Spec;
        if (spec is null) { errors.Add(("spec", "FieldValueRequired", "Required value")); return; }
        if (spec.Replicas < 0) errors.Add(("spec.replicas", "FieldValueInvalid", $"Invalid value: {spec.Replicas}: must be greater than or equal to 0"));
        var selector = spec.Selector;
        if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
        {
            errors.Add(("spec.selector", "FieldValueRequired", "Required value"));
        }
        else
        {
            var labels = spec.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
            var matches = Labels.Match(selector.MatchLabels, labels);
            if (!matches)
                errors.Add(("spec.template.metadata.labels", "FieldValueInvalid",
                    $"Invalid value: map[string]string{{{string.Join(", ", labels.Select(l => $"\"{l.Key}\":\"{l.Value}\""))}}}: `selector` does not match template `labels`"));
            if (old?.Spec?.Selector is { } oldSelector && ModelJson.Canonical(ModelJson.ToJson(oldSelector)) != ModelJson.Canonical(ModelJson.ToJson(selector)))
                errors.Add(("spec.selector", "FieldValueInvalid",
                    $"Invalid value: v1.LabelSelector{{MatchLabels:map[string]string{{{string.Join(", ", (selector.MatchLabels ?? new Dictionary<string, string>()).Select(l => $"\"{l.Key}\":\"{l.Value}\""))}}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: field is immutable"));
        }
        if (spec.Strategy?.Type is { } strategyType && strategyType is not ("RollingUpdate" or "Recreate"))
            errors.Add(("spec.strategy.type", "FieldValueNotSupported", $"Unsupported value: \"{strategyType}\": supported values: \"Recreate\", \"RollingUpdate\""));
        if (spec.Strategy?.Type == "Recreate" && spec.Strategy.RollingUpdate is not null)
            errors.Add(("spec.strategy.rollingUpdate", "FieldValueForbidden", "Forbidden: may not be specified when strategy `type` is 'Recreate'"));
        if (spec.Strategy?.RollingUpdate is { } ru)
        {
            var surge = IntOrPercent(ru.MaxSurge, "spec.strategy.rollingUpdate.maxSurge", errors);
            var unavailable = IntOrPercent(ru.MaxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errors);
            if (surge == 0 && unavailable == 0)
                errors.Add(("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
                    $"Invalid value: intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}: may not be 0 when `maxSurge` is 0"));
            if (ru.MaxUnavailable?.Value is { } mu && mu.EndsWith('%') && unavailable > 100)
                errors.Add(("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid", $"Invalid value: \"{mu}\": must not be greater than 100%"));
        }
        if (spec.MinReadySeconds < 0) errors.Add(("spec.minReadySeconds", "FieldValueInvalid", $"Invalid value: {spec.MinReadySeconds}: must be greater than or equal to 0"));
        if (spec.ProgressDeadlineSeconds is { } pds && pds <= (spec.MinReadySeconds ?? 0))
            errors.Add(("spec.progressDeadlineSeconds", "FieldValueInvalid", $"Invalid value: {pds}: must be greater than minReadySeconds"));
        if (spec.RevisionHistoryLimit < 0) errors.Add(("spec.revisionHistoryLimit", "FieldValueInvalid", $"Invalid value: {spec.RevisionHistoryLimit}: must be greater than or equal to 0"));
        if (spec.Template?.Spec?.RestartPolicy is { } restart && restart != "Always")
            errors.Add(("spec.template.spec.restartPolicy", "FieldValueNotSupported", $"Unsupported value: \"{restart}\": supported values: \"Always\""));
        PodSpec(spec.Template?.Spec, "spec.template.spec", errors);
    }

    static int? IntOrPercent(IntOrString? value, string field, List<(string, string, string)> errors)
    {
        if (value?.Value is not { } text) return null;
        if (int.TryParse(text, out var n))
        {
            if (n < 0) errors.Add((field, "FieldValueInvalid", $"Invalid value: {n}: must be greater than or equal to 0"));
            return n;
        }
        if (text.EndsWith('%') && int.TryParse(text[..^1], out var p))
        {
            if (p < 0) errors.Add((field, "FieldValueInvalid", $"Invalid value: \"{text}\": must be greater than or equal to 0"));
            return p;
        }
        errors.Add((field, "FieldValueInvalid", $"Invalid value: \"{text}\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
        return null;
    }

    static void PodSpec(V1PodSpec? spec, string path, List<(string, string, string)> errors)
    {
        if (spec?.Containers is not { Count: > 0 } containers)
        {
            errors.Add(($"{path}.containers", "FieldValueRequired", "Required value"));
            return;
        }
        var names = new HashSet<string>();
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            if (string.IsNullOrEmpty(c.Name)) errors.Add(($"{path}.containers[{i}].name", "FieldValueRequired", "Required value"));
            else if (!Names.IsLabel(c.Name)) errors.Add(($"{path}.containers[{i}].name", "FieldValueInvalid", $"Invalid value: \"{c.Name}\": {Names.Rfc1123LabelMessage}"));
            else if (!names.Add(c.Name)) errors.Add(($"{path}.containers[{i}].name", "FieldValueDuplicate", $"Duplicate value: \"{c.Name}\""));
            if (string.IsNullOrEmpty(c.Image)) errors.Add(($"{path}.containers[{i}].image", "FieldValueRequired", "Required value"));
            else if (c.Image.Trim() != c.Image) errors.Add(($"{path}.containers[{i}].image", "FieldValueInvalid", $"Invalid value: \"{c.Image}\": must not have leading or trailing whitespace"));
            if (c.ImagePullPolicy is { } policy && policy is not ("Always" or "IfNotPresent" or "Never"))
                errors.Add(($"{path}.containers[{i}].imagePullPolicy", "FieldValueNotSupported", $"Unsupported value: \"{policy}\": supported values: \"Always\", \"IfNotPresent\", \"Never\""));
            if (c.Ports is not null)
                for (var j = 0; j < c.Ports.Count; j++)
                    if (c.Ports[j].ContainerPort is < 1 or > 65535)
                        errors.Add(($"{path}.containers[{i}].ports[{j}].containerPort", "FieldValueInvalid", $"Invalid value: {c.Ports[j].ContainerPort}: must be between 1 and 65535, inclusive"));
        }
        if (spec.TerminationGracePeriodSeconds < 0)
            errors.Add(($"{path}.terminationGracePeriodSeconds", "FieldValueInvalid", $"Invalid value: {spec.TerminationGracePeriodSeconds}: must be >= 0"));
    }
}
