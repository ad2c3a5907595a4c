using System.Text.Json.Nodes;
using k8s.Models;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>Work-queue keys and owner-reference helpers shared by the controllers.</summary>
public static class Keys
{
    public static string Of(V1ObjectMeta meta) => $"{meta.NamespaceProperty}/{meta.Name}";

    public static string Of(string? ns, string name) => $"{ns}/{name}";

    public static (string? Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? (null, key) : (slash == 0 ? null : key[..slash], key[(slash + 1)..]);
    }

    public static V1OwnerReference ControllerRef(string apiVersion, string kind, string name, string uid) => new()
    {
        ApiVersion = apiVersion, Kind = kind, Name = name, Uid = uid, Controller = true, BlockOwnerDeletion = true,
    };

    public static JsonObject? ControllerRefOf(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true);

    public static string? ControllerUid(JsonObject obj) => ControllerRefOf(obj)?["uid"]?.ToString();

    public static bool IsControlledBy(JsonObject obj, string ownerUid) => ControllerUid(obj) == ownerUid;
}
