namespace ContentWatch.Core.Pipelines;

/// <summary>A run's output as one markdown document, and a step's alone: what copy and download hand over.</summary>
public static class MarkdownExport
{
    /// <summary>One step's output under a heading with its order and name.</summary>
    public sealed record Section(int Order, string Name, string Output);

    public static string Step(Section step) => $"## {step.Order}. {step.Name}\n\n{step.Output.Trim()}\n";

    /// <summary>The template and topic as the title, then every step that has output, in order.</summary>
    public static string Run(string templateName, string? topic, IEnumerable<Section> steps) =>
        $"# {templateName} — {topic}\n\n" +
        string.Join("\n\n", steps.Where(s => s.Output.Length > 0).OrderBy(s => s.Order).Select(Step));
}
