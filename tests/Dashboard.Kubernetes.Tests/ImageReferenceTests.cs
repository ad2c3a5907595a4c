namespace Dashboard.Kubernetes.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("nginx", null, "nginx", null, null)]
    [InlineData("flask-app:2.0", null, "flask-app", "2.0", null)]
    [InlineData("docker.io/library/flask-app:2.0", "docker.io", "library/flask-app", "2.0", null)]
    [InlineData("localhost:5000/team/app:v1", "localhost:5000", "team/app", "v1", null)]
    [InlineData("app@sha256:0123456789abcdef0123456789abcdef", null, "app", null, "sha256:0123456789abcdef0123456789abcdef")]
    public void References_parse_as_the_distribution_grammar_does(string image, string? domain, string path, string? tag, string? digest) =>
        Assert.Equal(new ImageReference(domain, path, tag, digest), ImageReference.Parse(image));

    [Theory]
    [InlineData("")]
    [InlineData("Flask-App:2")]
    [InlineData("app:")]
    [InlineData("app::1")]
    [InlineData("a b")]
    [InlineData("-app")]
    public void What_the_runtime_refuses_does_not_parse(string image)
    {
        Assert.Null(ImageReference.Parse(image));
        Assert.False(ImageReference.IsValid(image));
    }

    [Fact]
    public void A_name_over_255_characters_parses_but_is_not_valid()
    {
        var image = new string('a', 300) + ":1";
        Assert.NotNull(ImageReference.Parse(image));
        Assert.False(ImageReference.IsValid(image));
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("app:latest", true)]
    [InlineData("app:1.2.3", false)]
    [InlineData("app@sha256:0123456789abcdef0123456789abcdef", false)]
    public void Untagged_and_latest_are_mutable(string image, bool mutable) => Assert.Equal(mutable, ImageReference.Parse(image)!.IsMutable);

    [Theory]
    [InlineData("registry:5000/team/app:v2", "v2")]
    [InlineData("registry:5000/team/app", "app")]
    public void The_short_version_is_the_tag_or_the_last_segment(string image, string version) => Assert.Equal(version, ImageReference.Parse(image)!.ShortVersion);
}
