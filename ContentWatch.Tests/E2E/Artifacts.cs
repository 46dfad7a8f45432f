namespace ContentWatch.Tests.E2E;

/// <summary>
/// What the browser suite leaves behind for people to look at, under the repository's ignored
/// <c>artifacts/</c> folder: screenshots of every screen, and the speed figures it measured.
/// </summary>
internal static class Artifacts
{
    private static readonly Lock Gate = new();

    public static string Folder(string name)
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "ContentWatch.Blazor.sln")))
        {
            root = Path.GetDirectoryName(root);
        }
        var folder = Path.Combine(root ?? Path.GetTempPath(), "artifacts", name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string Screenshot(string name) => Path.Combine(Folder("screenshots"), name + ".png");

    /// <summary>Records a measured figure in artifacts/e2e/figures.md (one line per figure, replaced when measured again) and in the test's output.</summary>
    public static void Figure(string key, string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        var file = Path.Combine(Folder("e2e"), "figures.md");
        lock (Gate)
        {
            var lines = File.Exists(file) ? File.ReadAllLines(file).ToList() : ["# Figures measured by the browser suite", ""];
            lines.RemoveAll(l => l.StartsWith($"- **{key}**", StringComparison.Ordinal));
            lines.Add($"- **{key}** {line} _({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)_");
            File.WriteAllLines(file, lines);
        }
        Console.WriteLine($"[figure] {key}: {line}");
    }
}
