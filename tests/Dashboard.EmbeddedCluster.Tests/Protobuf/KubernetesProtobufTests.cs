using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.EmbeddedCluster.Protobuf;
using Google.Protobuf;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>
/// Protobuf bodies as client-go writes them (generated.pb.go: ascending fields, non-pointer fields always
/// written, zeros included), read into the JSON kube-apiserver would decode them to.
/// </summary>
public sealed class KubernetesProtobufTests
{
    /// <summary>A message written field by field, as gogo-protobuf's marshalers do.</summary>
    sealed class Message
    {
        readonly MemoryStream _bytes = new();
        readonly CodedOutputStream _out;
        public Message() => _out = new CodedOutputStream(_bytes, leaveOpen: true);
        public Message S(int n, string v) { _out.WriteTag(n, WireFormat.WireType.LengthDelimited); _out.WriteString(v); return this; }
        public Message I(int n, long v) { _out.WriteTag(n, WireFormat.WireType.Varint); _out.WriteInt64(v); return this; }
        public Message B(int n, bool v) { _out.WriteTag(n, WireFormat.WireType.Varint); _out.WriteBool(v); return this; }
        public Message Bytes(int n, byte[] v) { _out.WriteTag(n, WireFormat.WireType.LengthDelimited); _out.WriteBytes(ByteString.CopyFrom(v)); return this; }
        public Message M(int n, Message m) => Bytes(n, m.ToArray());
        public Message Map(int n, string k, string v) => M(n, new Message().S(1, k).S(2, v));
        public byte[] ToArray() { _out.Flush(); return _bytes.ToArray(); }
    }

    static byte[] Envelope(string apiVersion, string kind, Message raw) =>
        [.. "k8s\0"u8.ToArray(), .. new Message().M(1, new Message().S(1, apiVersion).S(2, kind)).Bytes(2, raw.ToArray()).S(3, "").S(4, "").ToArray()];

    static Message Meta(string name) => new Message().S(1, name).S(2, "").S(3, "").S(4, "").S(5, "").S(6, "").I(7, 0).M(8, new Message());

    [Fact]
    public void A_Deployment_as_kubectl_create_deployment_sends_it_reads_as_its_JSON()
    {
        var container = new Message().S(1, "nginx").S(2, "nginx").S(5, "").M(8, new Message()).S(13, "").S(14, "").S(20, "");
        var podSpec = new Message().M(2, container).S(3, "").S(6, "").S(8, "").S(10, "").B(11, false).M(14, new Message());
        var template = new Message().M(1, Meta("").Map(11, "app", "nginx")).M(2, podSpec);
        var spec = new Message().I(1, 0).M(2, new Message().Map(1, "app", "nginx")).M(3, template).M(4, new Message().S(1, "")).I(5, 0).B(7, false);
        var body = Envelope("apps/v1", "Deployment", new Message().M(1, Meta("nginx").Map(11, "app", "nginx")).M(2, spec).M(3, new Message()));

        var json = KubernetesProtobuf.Decode(body);

        Assert.Equal("""
            {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"nginx","labels":{"app":"nginx"}},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}],"securityContext":{}}},"strategy":{}},"status":{}}
            """, json.ToJsonString());
    }

    [Fact]
    public void IntOrString_Quantity_Time_and_bytes_take_their_JSON_forms()
    {
        var port = new Message().S(1, "http").S(2, "TCP").I(3, 80).M(4, new Message().I(1, 1).I(2, 0).S(3, "web")).I(5, 0);
        var service = new Message().M(1, Meta("web").M(9, new Message().I(1, 1_700_000_000))).M(2, new Message().M(1, port).S(4, "ClusterIP"));
        var json = KubernetesProtobuf.Decode(Envelope("v1", "Service", service));
        Assert.Equal("""{"name":"http","protocol":"TCP","port":80,"targetPort":"web"}""", json["spec"]!["ports"]![0]!.ToJsonString());
        Assert.Equal("2023-11-14T22:13:20Z", (string?)json["metadata"]!["deletionTimestamp"]);

        var secret = new Message().M(1, Meta("s")).M(2, new Message().S(1, "key").Bytes(2, "v\0\u00ff"u8.ToArray())).S(3, "Opaque");
        Assert.Equal(Convert.ToBase64String("v\0\u00ff"u8.ToArray()), (string?)KubernetesProtobuf.Decode(Envelope("v1", "Secret", secret))["data"]!["key"]);

        var limits = new Message().M(1, new Message().S(1, "cpu").M(2, new Message().S(1, "500m")));
        var container = new Message().S(1, "c").M(8, limits);
        var pod = new Message().M(1, Meta("p")).M(2, new Message().M(2, container));
        Assert.Equal("""{"limits":{"cpu":"500m"}}""", KubernetesProtobuf.Decode(Envelope("v1", "Pod", pod))["spec"]!["containers"]![0]!["resources"]!.ToJsonString());
    }

    [Fact]
    public void A_SelfSubjectAccessReview_as_kubectl_auth_can_i_sends_it()
    {
        var attributes = new Message().S(1, "default").S(2, "patch").S(3, "apps").S(4, "").S(5, "deployments").S(6, "").S(7, "");
        var review = new Message().M(1, Meta("")).M(2, new Message().M(1, attributes)).M(3, new Message().B(1, false).S(2, "").S(3, "").B(4, false));
        var json = KubernetesProtobuf.Decode(Envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", review));
        Assert.Equal("""{"namespace":"default","verb":"patch","group":"apps","resource":"deployments"}""", json["spec"]!["resourceAttributes"]!.ToJsonString());
        Assert.Equal(false, (bool?)json["status"]!["allowed"]); // no omitempty on allowed: Go writes it
    }

    [Fact]
    public void Go_durations_print_as_Go_prints_them()
    {
        Assert.Equal(["0s", "1h0m0s", "1m30s", "1.5s", "300ms", "2µs", "-5s"],
            new long[] { 0, 3_600_000_000_000, 90_000_000_000, 1_500_000_000, 300_000_000, 2_000, -5_000_000_000 }.Select(KubernetesProtobuf.GoDuration));
    }

    [Fact]
    public void A_body_without_the_prefix_or_of_an_unknown_kind_is_a_bad_request()
    {
        var plain = Assert.Throws<ApiException>(() => KubernetesProtobuf.Decode("{}"u8.ToArray()));
        Assert.Equal((400, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"), (plain.Code, plain.Message));
        var unknown = Assert.Throws<ApiException>(() => KubernetesProtobuf.Decode(Envelope("apps/v1", "Frobnicator", new Message())));
        Assert.StartsWith("no kind \"Frobnicator\" is registered for version \"apps/v1\"", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_embedded_Go_struct_is_inline_in_JSON()
    {
        var backend = new Message().M(4, new Message().S(1, "svc1").M(2, new Message().S(1, "").I(2, 8080)));
        var path = new Message().S(1, "/bar").M(2, backend).S(3, "Exact");
        var rule = new Message().S(1, "foo.com").M(2, new Message().M(1, new Message().M(1, path)));
        var ingress = new Message().M(1, Meta("ing")).M(2, new Message().M(3, rule));
        var json = KubernetesProtobuf.Decode(Envelope("networking.k8s.io/v1", "Ingress", ingress));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Exact","backend":{"service":{"name":"svc1","port":{"number":8080}}}}]}}"""),
            json["spec"]!["rules"]![0]), json["spec"]!["rules"]![0]!.ToJsonString());
    }
}
