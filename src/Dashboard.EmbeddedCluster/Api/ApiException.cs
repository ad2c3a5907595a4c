using System.Text.Json.Nodes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// A failure the API server reports as a <c>Status</c> object. The reason and message follow
/// kube-apiserver's wording so kubectl prints what a person would see against a real cluster.
/// </summary>
/// <param name="listMeta">The Status's own ListMeta (a 410 for a compacted continue token carries a new token there).</param>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null, JsonObject? listMeta = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;
    public JsonObject? ListMeta { get; } = listMeta;

    public JsonObject ToStatus() => StatusObject(Code, Reason, Message, Details, ListMeta);

    public static JsonObject StatusObject(int code, string reason, string message, JsonObject? details = null, JsonObject? listMeta = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = listMeta?.DeepClone() ?? new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null) status["details"] = details;
        status["code"] = code;
        return status;
    }

    /// <summary>A Status's details for an object: its name, group and resource (the plural, as kube-apiserver writes it).</summary>
    internal static JsonObject DetailsFor(ResourceType type, string? name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group.Length == 0 ? null : type.Group,
        ["kind"] = type.Plural,
    };

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedPlural} \"{name}\" not found", DetailsFor(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedPlural} \"{name}\" already exists", DetailsFor(type, name));

    public static ApiException Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            DetailsFor(type, name));

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<(string Field, string Type, string Message)> causes)
    {
        var details = DetailsFor(type, name);
        details["kind"] = type.Kind;
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = c.Type,
            ["message"] = c.Message,
            ["field"] = c.Field,
        }).ToArray());
        var text = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        // The group-qualified kind (Deployment.apps), as errors.NewInvalid words it.
        var kind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        var message = causes.Count == 1
            ? $"{kind} \"{name}\" is invalid: {text}"
            : $"{kind} \"{name}\" is invalid: [{text}]";
        return new(422, "Invalid", message, details);
    }

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {contentType})");

    public static ApiException UnknownResource() =>
        new(404, "NotFound", "the server could not find the requested resource");
}
