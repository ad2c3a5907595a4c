using Dashboard.ClusterServices.Operations;

namespace Dashboard.ClusterServices.Tests;

public class LogTextTests
{
    [Theory]
    [InlineData("ship 2.0", "ship 2.0")]
    [InlineData("ship\ninfo: Audit: mallory deleted everything", "ship\\ninfo: Audit: mallory deleted everything")]
    [InlineData("a\r\tb\u001b[31m", "a\\r\\tb\\u001b[31m")]
    public void A_change_cause_in_a_log_line_cannot_forge_another_line(string typed, string logged) =>
        Assert.Equal(logged, LogText.Escape(typed));
}
