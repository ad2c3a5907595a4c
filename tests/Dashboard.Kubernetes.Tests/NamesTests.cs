namespace Dashboard.Kubernetes.Tests;

public class NamesTests
{
    [Theory]
    [InlineData("web", true, true, true)]
    [InlineData("web.v2", true, false, false)]
    [InlineData("9web", true, true, false)]
    [InlineData("Web", false, false, false)]
    [InlineData("web-", false, false, false)]
    [InlineData("", false, false, false)]
    public void Names_follow_apimachinery(string name, bool subdomain, bool label, bool dns1035)
    {
        Assert.Equal(subdomain, Names.IsSubdomain(name));
        Assert.Equal(label, Names.IsLabel(name));
        Assert.Equal(dns1035, Names.IsDns1035Label(name));
    }

    [Fact]
    public void Length_limits_are_253_for_subdomains_and_63_for_labels()
    {
        Assert.True(Names.IsSubdomain(new string('a', 253)));
        Assert.False(Names.IsSubdomain(new string('a', 254)));
        Assert.True(Names.IsLabel(new string('a', 63)));
        Assert.False(Names.IsLabel(new string('a', 64)));
    }
}
