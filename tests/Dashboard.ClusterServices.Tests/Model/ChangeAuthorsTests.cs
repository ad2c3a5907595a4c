using Dashboard.ClusterServices.Model;
using k8s;
using k8s.Models;

namespace Dashboard.ClusterServices.Tests;

/// <summary>Who changed each revision, read from managedFields as a real kube-apiserver writes them.</summary>
public sealed class ChangeAuthorsTests
{
    // A Deployment's managedFields as kube-apiserver 1.30 returned them: created by helm, the image then set by
    // kubectl set image, restarted through the dashboard, and the controller's own status and revision writes.
    const string RealCluster = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"shop","namespace":"prod","uid":"u1","managedFields":[
          {"manager":"helm","operation":"Update","apiVersion":"apps/v1","time":"2026-11-30T09:00:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"shop\"}":{".":{},"f:name":{}}}}}}}},
          {"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2026-12-01T10:00:03Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}}}},
          {"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2026-12-01T10:00:40Z","fieldsType":"FieldsV1","subresource":"status",
           "fieldsV1":{"f:status":{"f:replicas":{}}}},
          {"manager":"kubectl-set","operation":"Update","apiVersion":"apps/v1","time":"2026-12-01T10:00:02Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"shop\"}":{"f:image":{}}}}}}}},
          {"manager":"rollout-dashboard","operation":"Update","apiVersion":"apps/v1","time":"2026-12-02T14:30:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:spec":{"f:template":{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/restartedAt":{}}}}}}}
        ]},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"shop"}},"template":{"spec":{"containers":[{"name":"shop","image":"shop:2"}]}}}}
        """;

    static ReplicaSetView Set(long revision, string created) => new()
    {
        Namespace = "prod", Name = $"shop-{revision}", Uid = $"rs{revision}", ResourceVersion = "1", OwnerUid = "u1", Revision = revision,
        Replicas = 0, StatusReplicas = 0, ReadyReplicas = 0, AvailableReplicas = 0, Containers = [], CreatedAt = DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public void The_template_owners_are_read_newest_first_leaving_out_status_and_metadata_only_writers()
    {
        var d = ViewMapper.Deployment(KubernetesJson.Deserialize<V1Deployment>(RealCluster));
        Assert.Equal(["rollout-dashboard", "kubectl-set", "helm"], d.TemplateChanges.Select(c => c.Manager));
    }

    [Fact]
    public void Each_revision_is_named_by_the_write_that_made_it_while_managedFields_still_say_so()
    {
        var d = ViewMapper.Deployment(KubernetesJson.Deserialize<V1Deployment>(RealCluster));

        Assert.Equal("rollout-dashboard", ChangeAuthors.Of(d, Set(3, "2026-12-02T14:30:01Z"), isCurrent: true)?.Manager);
        Assert.Equal("kubectl-set", ChangeAuthors.Of(d, Set(2, "2026-12-01T10:00:03Z"), isCurrent: false)?.Manager);
        // helm has not written since it created the Deployment: revision 1 is still named.
        Assert.Equal("helm", ChangeAuthors.Of(d, Set(1, "2026-11-30T09:00:01Z"), isCurrent: false)?.Manager);
        // A rollback's revision reuses an older ReplicaSet, made when helm created the Deployment: not helm's.
        Assert.Null(ChangeAuthors.Of(d, Set(1, "2026-11-30T09:00:01Z") with { Revision = 5, Renumbered = true }, isCurrent: false));
        // A revision made when no template owner's last write fell is not guessed.
        Assert.Null(ChangeAuthors.Of(d, Set(4, "2026-11-30T12:00:00Z"), isCurrent: false));
    }

    [Fact]
    public void The_dashboards_own_writes_name_the_person_behind_them()
    {
        Assert.Equal("rollout-dashboard (alice)", ChangeAuthors.Describe("rollout-dashboard", "alice"));
        Assert.Equal("kubectl-set", ChangeAuthors.Describe("kubectl-set", "alice"));
        Assert.Equal("rollout-dashboard", ChangeAuthors.Describe("rollout-dashboard", null));
    }

    [Fact]
    public void A_server_that_keeps_no_managedFields_names_no_one()
    {
        var d = ViewMapper.Deployment(KubernetesJson.Deserialize<V1Deployment>("""{"metadata":{"name":"a","namespace":"n"},"spec":{"template":{}}}"""));
        Assert.Empty(d.TemplateChanges);
        Assert.Null(ChangeAuthors.Of(d, Set(1, "2026-11-30T09:00:01Z"), isCurrent: true));
    }
}
