using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;
using Google.Protobuf;

namespace Dashboard.EmbeddedCluster.Protobuf;

/// <summary>
/// Reads <c>application/vnd.kubernetes.protobuf</c> request bodies, as client-go's typed clients (so
/// kubectl create, run, auth can-i) send them, into the JSON object kube-apiserver would decode them to.
/// The framing is apimachinery's (<c>serializer/protobuf/protobuf.go</c>): the <c>k8s\0</c> prefix, then a
/// <c>runtime.Unknown</c> whose TypeMeta names the kind and whose <c>raw</c> is the object's message.
/// Go's JSON is the model for what comes out: a zero the Go struct would omit is left out (so defaulting
/// sees an unset field), a pointer's zero stays, a zero Time is absent, and the apimachinery types with a
/// JSON form of their own (Time, MicroTime, Duration, Quantity, IntOrString, RawExtension, FieldsV1, string
/// lists) take it.
/// </summary>
public static class KubernetesProtobuf
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";
    static readonly byte[] Prefix = [0x6b, 0x38, 0x73, 0x00];
    const string Meta = "k8s.io.apimachinery.pkg.apis.meta.v1";

    public static JsonObject Decode(byte[] body)
    {
        if (!body.AsSpan().StartsWith(Prefix))
            throw ApiException.BadRequest($"provided data does not appear to be a protobuf message, expected prefix [{string.Join(' ', Prefix)}]");
        string apiVersion = "", kind = "";
        ByteString? raw = null;
        try
        {
            var input = new CodedInputStream(body, Prefix.Length, body.Length - Prefix.Length);
            for (uint tag; (tag = input.ReadTag()) != 0;)
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1:
                        var typeMeta = new CodedInputStream(input.ReadBytes().ToByteArray());
                        for (uint t; (t = typeMeta.ReadTag()) != 0;)
                            switch (WireFormat.GetTagFieldNumber(t))
                            {
                                case 1: apiVersion = typeMeta.ReadString(); break;
                                case 2: kind = typeMeta.ReadString(); break;
                                default: typeMeta.SkipLastField(); break;
                            }
                        break;
                    case 2: raw = input.ReadBytes(); break;
                    default: input.SkipLastField(); break;
                }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized: {e.Message}");
        }
        var message = ProtoSchema.Kubernetes.ForKind(apiVersion, kind)
            ?? throw ApiException.BadRequest($"no kind \"{kind}\" is registered for version \"{apiVersion}\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
        var obj = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        try
        {
            foreach (var (key, value) in ReadMessage(raw?.ToByteArray() ?? [], message).ToList())
                if (key is not ("kind" or "apiVersion")) obj[key] = value?.DeepClone();
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or JsonException or FormatException)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized: {e.Message}");
        }
        return obj;
    }

    static JsonObject ReadMessage(byte[] bytes, ProtoMessage message)
    {
        var obj = new JsonObject();
        var input = new CodedInputStream(bytes);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (!message.Fields.TryGetValue(WireFormat.GetTagFieldNumber(tag), out var field))
            {
                input.SkipLastField(); // as Go's unmarshal: a field this version does not know is skipped
                continue;
            }
            if (field.Type == "map")
            {
                var (key, value) = ReadMapEntry(input.ReadBytes().ToByteArray(), field.MapValue!);
                var map = obj[field.JsonName] as JsonObject ?? (JsonObject)(obj[field.JsonName] = new JsonObject());
                map[key] = value;
            }
            else if (field.Repeated)
            {
                var list = obj[field.JsonName] as JsonArray ?? (JsonArray)(obj[field.JsonName] = new JsonArray());
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited && IsPackable(field.Type))
                {
                    var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd) list.Add(ReadScalar(packed, field.Type));
                }
                else list.Add(ReadValue(input, field.Type));
            }
            else if (field.Inline)
            {
                if (ReadValue(input, field.Type) is JsonObject inner)
                    foreach (var (key, value) in inner.ToList())
                    {
                        inner.Remove(key);
                        obj[key] = value;
                    }
            }
            else
            {
                var value = ReadValue(input, field.Type);
                if (value is null || !field.ZeroKept && IsZero(value)) obj.Remove(field.JsonName);
                else obj[field.JsonName] = value;
            }
        }
        return obj;
    }

    static (string Key, JsonNode? Value) ReadMapEntry(byte[] bytes, string valueType)
    {
        var input = new CodedInputStream(bytes);
        var key = "";
        JsonNode? value = ProtoSchema.IsScalar(valueType) ? ZeroOf(valueType) : null;
        for (uint tag; (tag = input.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: key = input.ReadString(); break;
                case 2: value = ReadValue(input, valueType); break;
                default: input.SkipLastField(); break;
            }
        return (key, value);
    }

    static JsonNode? ReadValue(CodedInputStream input, string type)
    {
        if (ProtoSchema.IsScalar(type)) return ReadScalar(input, type);
        var bytes = input.ReadBytes().ToByteArray();
        return type switch
        {
            $"{Meta}.Time" => Timestamp(bytes, micro: false),
            $"{Meta}.MicroTime" => Timestamp(bytes, micro: true),
            $"{Meta}.Duration" => GoDuration(SingleField(bytes, 1) is { } d ? d.ReadInt64() : 0),
            $"{Meta}.FieldsV1" => EmbeddedJson(bytes),
            "k8s.io.apimachinery.pkg.runtime.RawExtension" => EmbeddedJson(bytes),
            "k8s.io.apimachinery.pkg.api.resource.Quantity" => SingleField(bytes, 1)?.ReadString() ?? "0",
            "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => IntOrString(bytes),
            _ when ProtoSchema.Kubernetes.Find(type) is { } message =>
                message.IsStringList ? new JsonArray([.. ReadMessage(bytes, message)["items"]?.AsArray().Select(n => n?.DeepClone()) ?? []]) : ReadMessage(bytes, message),
            _ => throw new FormatException($"no message {type} in the schema"),
        };
    }

    static JsonNode ReadScalar(CodedInputStream input, string type) => type switch
    {
        "string" => input.ReadString(),
        // Go's JSON writes []byte as standard base64.
        "bytes" => Convert.ToBase64String(input.ReadBytes().Span),
        "bool" => input.ReadBool(),
        "int32" => input.ReadInt32(),
        "int64" => input.ReadInt64(),
        "uint32" => input.ReadUInt32(),
        "uint64" => input.ReadUInt64(),
        "sint32" => input.ReadSInt32(),
        "sint64" => input.ReadSInt64(),
        "fixed32" => input.ReadFixed32(),
        "fixed64" => input.ReadFixed64(),
        "double" => input.ReadDouble(),
        "float" => input.ReadFloat(),
        _ => throw new FormatException($"no scalar {type}"),
    };

    static bool IsPackable(string type) => ProtoSchema.IsScalar(type) && type is not ("string" or "bytes");

    static JsonNode? ZeroOf(string type) => type switch
    {
        "string" or "bytes" => "",
        "bool" => false,
        _ => 0,
    };

    static bool IsZero(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>().Length == 0,
        JsonValueKind.False => true,
        JsonValueKind.Number => value.AsValue().TryGetValue<double>(out var d) ? d == 0 : value.ToJsonString() == "0",
        _ => false,
    };

    /// <summary>A reader positioned at the value of <paramref name="number"/> in a small message, or null when it is absent.</summary>
    static CodedInputStream? SingleField(byte[] bytes, int number)
    {
        var input = new CodedInputStream(bytes);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number) return input;
            input.SkipLastField();
        }
        return null;
    }

    /// <summary>Time is <c>{1 seconds, 2 nanos}</c>; Go writes a zero time as an empty message, which JSON leaves out (null).</summary>
    static JsonNode? Timestamp(byte[] bytes, bool micro)
    {
        long seconds = 0;
        int nanos = 0;
        var input = new CodedInputStream(bytes);
        for (uint tag; (tag = input.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: seconds = input.ReadInt64(); break;
                case 2: nanos = input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        if (seconds == 0 && nanos == 0) return null;
        var at = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        return micro ? ModelJson.MicroTimestamp(at) : ModelJson.Timestamp(at);
    }

    static JsonNode? IntOrString(byte[] bytes)
    {
        long type = 0;
        int intVal = 0;
        var strVal = "";
        var input = new CodedInputStream(bytes);
        for (uint tag; (tag = input.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: type = input.ReadInt64(); break;
                case 2: intVal = input.ReadInt32(); break;
                case 3: strVal = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        return type == 1 ? strVal : intVal;
    }

    /// <summary>RawExtension and FieldsV1 carry JSON as bytes.</summary>
    static JsonNode? EmbeddedJson(byte[] bytes)
    {
        if (SingleField(bytes, 1) is not { } input) return null;
        var raw = input.ReadBytes();
        return raw.Length == 0 ? null : JsonNode.Parse(raw.Span);
    }

    /// <summary>Go's <c>time.Duration.String()</c>: <c>1h0m0s</c>, <c>1m30s</c>, <c>1.5s</c>, <c>300ms</c>, <c>0s</c>.</summary>
    public static string GoDuration(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        var sign = nanoseconds < 0 ? "-" : "";
        var u = nanoseconds == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(nanoseconds);
        static string Fraction(ulong value, int digits)
        {
            var scale = (ulong)Math.Pow(10, digits);
            var frac = value % scale;
            return (value / scale).ToString(CultureInfo.InvariantCulture) + (frac == 0 ? "" : "." + frac.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0'));
        }
        if (u < 1_000) return $"{sign}{u}ns";
        if (u < 1_000_000) return $"{sign}{Fraction(u, 3)}µs";
        if (u < 1_000_000_000) return $"{sign}{Fraction(u, 6)}ms";
        var text = new StringBuilder();
        var seconds = u / 1_000_000_000;
        var minutes = seconds / 60;
        var hours = minutes / 60;
        if (hours > 0) text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (minutes > 0) text.Append((minutes % 60).ToString(CultureInfo.InvariantCulture)).Append('m');
        text.Append(Fraction(seconds % 60 * 1_000_000_000 + u % 1_000_000_000, 9)).Append('s');
        return sign + text;
    }
}
