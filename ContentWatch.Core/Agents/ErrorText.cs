using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

/// <summary>
/// Takes out of an error's text what a creator (or a log reader) must not see: addresses (an endpoint's URL
/// can carry a deployment name, a key in its query, credentials before the host) and key-like tokens that
/// providers echo back ("Incorrect API key provided: sk-…").
/// </summary>
public static partial class ErrorText
{
    public static string Redact(string text)
    {
        text = Url().Replace(text, "[address]");
        text = HostAndPort().Replace(text, "[address]");
        text = KeyLike().Replace(text, "[redacted]");
        return Secrets().Replace(text, m => m.Groups["name"].Value + "[redacted]");
    }

    [GeneratedRegex(@"\b[a-z][a-z0-9+.\-]*://[^\s'""<>)]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    /// <summary>"(localhost:5000)", "10.0.0.4:443" — how socket errors name the endpoint.</summary>
    [GeneratedRegex(@"\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|(?:[a-z0-9\-]+\.)+[a-z]{2,})(?::\d{1,5})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostAndPort();

    /// <summary>OpenAI-style keys (sk-…, also masked ones like sk-abc***xyz) and long opaque tokens.</summary>
    [GeneratedRegex(@"\b(?:sk|pk|rk)-[A-Za-z0-9_\-*.]{6,}|\b[A-Za-z0-9_\-]{32,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex KeyLike();

    [GeneratedRegex(@"(?<name>\b(?:api[-_]?key|access[-_]?token|token|password|pwd|secret)\s*[:=]\s*|\bbearer\s+)[^\s,;'""]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secrets();
}
