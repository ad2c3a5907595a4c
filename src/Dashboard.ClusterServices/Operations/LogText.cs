namespace Dashboard.ClusterServices.Operations;

/// <summary>Text from people or the cluster on its way into a log line: control characters (a newline forging a second entry) written as escapes.</summary>
public static class LogText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(char.IsControl)) return text ?? "";
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return escaped.ToString();
    }
}
