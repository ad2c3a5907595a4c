using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;

namespace Dashboard.EmbeddedCluster;

/// <summary>
/// Workloads to roll out on a first run, one safe and one not: flask-app (5 replicas, port 5000)
/// with flask-service, and cloud-communal-service in namespace cloud with one replica and
/// maxUnavailable: 1, which lets a rolling update stop the only serving pod before its replacement is ready.
/// </summary>
public static class SeedWorkloads
{
    /// <summary>The seed's field manager: what it creates is neither a person's nor a controller's.</summary>
    static readonly WriteOptions Seeding = new(Manager: new FieldManager("embedded-cluster-seed"));

    public const string FlaskYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: flask-app
          namespace: default
          labels:
            app: flask-app
        spec:
          replicas: 5
          selector:
            matchLabels:
              app: flask-app
          template:
            metadata:
              labels:
                app: flask-app
            spec:
              containers:
              - name: flask-app
                image: docker.io/library/flask-app:1.0
                ports:
                - containerPort: 5000
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: flask-service
          namespace: default
        spec:
          type: NodePort
          selector:
            app: flask-app
          ports:
          - port: 80
            targetPort: 5000
        """;

    public const string CloudCommunalYaml = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: cloud
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: cloud-communal-service
          namespace: cloud
          labels:
            app: cloud-communal-service
        spec:
          replicas: 1
          minReadySeconds: 10
          revisionHistoryLimit: 10
          selector:
            matchLabels:
              app: cloud-communal-service
          strategy:
            type: RollingUpdate
            rollingUpdate:
              maxSurge: 25%
              maxUnavailable: 1
          template:
            metadata:
              labels:
                app: cloud-communal-service
            spec:
              hostNetwork: true
              containers:
              - name: cloud-communal-service
                image: registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.0
                imagePullPolicy: Always
                ports:
                - containerPort: 18080
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: cloud-communal-service
          namespace: cloud
        spec:
          type: NodePort
          selector:
            app: cloud-communal-service
          ports:
          - port: 18080
            targetPort: 18080
            nodePort: 30080
        """;

    public static void Apply(ClusterApi api)
    {
        foreach (var doc in Documents(CloudCommunalYaml).Concat(Documents(FlaskYaml)))
        {
            var type = ResourceTypes.All.First(t => t.Kind == doc["kind"]!.ToString());
            api.Create(type, doc["metadata"]?["namespace"]?.ToString(), doc, Seeding);
        }
    }

    /// <summary>The namespace of the generated workload.</summary>
    public const string GeneratedNamespace = "bench";

    /// <summary>
    /// A generated workload to try the dashboard at scale: <paramref name="pods"/> pods spread over
    /// <paramref name="deployments"/> Deployments <c>app-000</c>, <c>app-001</c>... in namespace <c>bench</c>.
    /// </summary>
    public static void Generate(ClusterApi api, int pods, int deployments)
    {
        deployments = Math.Clamp(deployments, 1, Math.Max(1, pods));
        if (api.Find(ResourceTypes.Namespaces, null, GeneratedNamespace) is null)
            api.Create(ResourceTypes.Namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = GeneratedNamespace } }, Seeding);
        for (var i = 0; i < deployments; i++)
        {
            var name = $"app-{i:D3}";
            // The remainder goes to the first Deployments, so the total is exactly `pods`.
            var replicas = pods / deployments + (i < pods % deployments ? 1 : 0);
            api.Create(ResourceTypes.Deployments, GeneratedNamespace, new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = replicas,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = $"registry.local/{name}:1.0" }) },
                    },
                },
            }, Seeding);
        }
    }

    public static IEnumerable<JsonObject> Documents(string yaml) =>
        yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries).Select(d => (JsonObject)YamlJson.Parse(d)!);

    public static JsonObject KubernetesService() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["namespace"] = "default", ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
        ["spec"] = new JsonObject
        {
            ["clusterIP"] = "10.96.0.1",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = 6443 }),
        },
    };
}
