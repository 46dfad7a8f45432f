namespace ContentWatch.Tests.Infrastructure;

/// <summary>
/// Tests that need a program (redis-server, chromium) skip with a reason on a developer machine that
/// lacks it, and fail under CI=true, where .ci/run installs it: CI never passes by skipping.
/// </summary>
public static class RequiredProgram
{
    public static string Find(string name, string installHint)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (path is not null)
        {
            return path;
        }
        var reason = $"'{name}' is not installed ({installHint}); .ci/run installs it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"Under CI=true this test must run: {reason}");
        }
        Assert.Skip(reason);
        return "";
    }
}
