using k8s.Models;

namespace Dashboard.Kubernetes.Tests;

public class OwnershipTests
{
    static V1ReplicaSet Set(string uid, string hash) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-" + hash, Uid = uid, Labels = new Dictionary<string, string> { [WellKnown.PodTemplateHashLabel] = hash } },
    };

    static V1Pod Pod(string name, string? ownerUid, string? hash) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            OwnerReferences = ownerUid is null ? null : [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "x", Uid = ownerUid, Controller = true }],
            Labels = hash is null ? null : new Dictionary<string, string> { [WellKnown.PodTemplateHashLabel] = hash },
        },
    };

    [Fact]
    public void A_pod_belongs_to_the_ReplicaSet_its_controller_reference_names_with_the_same_template_hash()
    {
        var set = Set("rs-1", "5d8f7");
        Assert.True(Ownership.IsPodOf(Pod("anything-at-all", "rs-1", "5d8f7"), set));
        Assert.False(Ownership.IsPodOf(Pod("web-5d8f7-bcdfg", "rs-2", "5d8f7"), set)); // named like it, owned by another
        Assert.False(Ownership.IsPodOf(Pod("web-5d8f7-bcdfg", null, "5d8f7"), set)); // an orphan is nobody's
        Assert.False(Ownership.IsPodOf(Pod("web-5d8f7-bcdfg", "rs-1", "9999"), set)); // another template
    }

    [Fact]
    public void A_non_controller_owner_reference_does_not_own()
    {
        var pod = Pod("p", null, null);
        pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "c", Uid = "rs-1", Controller = false }];
        Assert.Null(Ownership.ControllerOf(pod.Metadata));
        Assert.False(Ownership.IsControlledBy(pod.Metadata, "rs-1"));
    }

    [Theory]
    [InlineData("web-5d8f7-bcdfg", "web-5d8f7-", true)]
    [InlineData("web-5d8f7-abcde", "web-5d8f7-", false)] // vowels never appear in generated suffixes
    [InlineData("web-5d8f7-bcdf", "web-5d8f7-", false)]
    [InlineData("web-x-5d8f7-bcdfg", "web-", false)]
    public void Generated_names_are_the_prefix_and_five_characters_of_the_name_alphabet(string name, string generateName, bool generated) =>
        Assert.Equal(generated, Ownership.IsGeneratedName(name, generateName));
}
