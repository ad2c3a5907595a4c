using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using static Dashboard.Web.Tests.FakeDashboardClient;

namespace Dashboard.Web.Tests;

/// <summary>
/// Rows every open page shows are made once and shared: their ages tick in the browser, so pages opened
/// at different times keep one copy of a row, not one each, and a new version of the object gets a new row.
/// </summary>
public sealed class SharedMarkupTests
{
    static readonly DateTime Now = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    static PodRow Row(TimeSpan age) => new(Pod("shop", "web-5d9c7-abcde", "web", "web:1", "Running", ready: true) with { CreatedAt = Now - age }, 1, true);

    [Fact]
    public void Pages_opened_minutes_apart_share_one_row_for_an_hours_old_pod()
    {
        var row = Row(TimeSpan.FromHours(5));

        var first = PodRowMarkup.Of(row, Now);
        var later = PodRowMarkup.Of(row, Now.AddMinutes(2));

        Assert.Same(first, later);
        Assert.Contains("<time class=\"age\" datetime=\"2026-11-23T07:00:00Z\">5h</time>", first);
    }

    [Fact]
    public void A_row_is_made_again_once_its_age_has_moved_on_and_for_every_new_version_of_the_pod()
    {
        var row = Row(TimeSpan.FromHours(5));
        var first = PodRowMarkup.Of(row, Now);

        var hourLater = PodRowMarkup.Of(row, Now.AddHours(1));
        var newVersion = PodRowMarkup.Of(row with { Pod = row.Pod with { Status = "Terminating" } }, Now);
        var promoted = PodRowMarkup.Of(row with { IsNew = false }, Now);

        Assert.NotSame(first, hourLater);
        Assert.Contains(">6h</time>", hourLater);
        Assert.Contains("data-status=\"Terminating\"", newVersion);
        Assert.Contains("revision-tag old", promoted);
    }

    [Theory]
    [InlineData(5, 30)]
    [InlineData(300, 120)]
    [InlineData(2 * 3600, 900)]
    [InlineData(20 * 3600, 3600)]
    [InlineData(30 * 86400, 6 * 3600)]
    public void The_stretch_a_shared_age_may_be_behind_grows_with_the_age(int seconds, int step)
    {
        var (stretchStep, index) = AgeMarkup.Stretch(Now.AddSeconds(-seconds), Now);

        Assert.Equal(step, stretchStep);
        Assert.Equal(seconds / step, index);
    }

    [Fact]
    public void An_age_is_kubectls_text_in_a_time_element_the_browser_keeps_current()
    {
        Assert.Equal("<time class=\"age\" datetime=\"2026-11-23T11:56:30Z\">3m30s</time>", AgeMarkup.Time(Now.AddSeconds(-210), Now));
        // No timestamp, nothing for the browser to count from; kubectl's "<unknown>" is text, not a tag.
        Assert.Equal("<time class=\"age\">&lt;unknown&gt;</time>", AgeMarkup.Time(null, Now));
    }

    [Fact]
    public void Event_rows_are_shared_and_carry_the_clusters_text_encoded()
    {
        var e = Event("shop", "Pod", "web-<b>x</b>", "<script>Bad</script>", "pulled \"x\" & <i>y</i>", secondsAgo: 7200) with { LastSeen = Now.AddHours(-2) };

        var first = EventRowMarkup.Of(e, Now);

        Assert.Same(first, EventRowMarkup.Of(e, Now.AddMinutes(3)));
        Assert.DoesNotContain("<script>", first);
        Assert.DoesNotContain("<b>x</b>", first);
        Assert.Contains("pod/web-&lt;b&gt;x&lt;/b&gt;", first);
        Assert.DoesNotContain("<i>", first);
        Assert.Contains("&lt;script&gt;Bad&lt;/script&gt;", first);
        Assert.Contains("data-event-reason=\"&lt;script&gt;Bad&lt;/script&gt;\"", first);
    }
}
