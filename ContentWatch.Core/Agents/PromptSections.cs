using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;

namespace ContentWatch.Core.Agents;

/// <summary>A guideline document as the prompt shows it: <c>## Title (Category)</c> and its content.</summary>
public sealed record PromptGuideline(string Title, string Category, string Content);

/// <summary>An earlier step's output as the prompt shows it: <c>## Step name (step_type)</c> and the output.</summary>
public sealed record PromptEarlierStep(string StepName, string StepType, string Output);

/// <summary>
/// A user prompt written by <see cref="PromptBuilder"/>, read back into its sections. The Simulated model
/// answers from these; a real model reads the same markdown.
/// </summary>
public sealed class PromptSections
{
    public string StepName { get; private init; } = "";

    /// <summary>The snake_case step type from the <c># Step</c> section (empty when absent).</summary>
    public string StepType { get; private init; } = "";

    public string Task { get; private init; } = "";

    /// <summary>Inputs in prompt order; keys compare case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; private init; } = new Dictionary<string, string>();

    public IReadOnlyList<PromptGuideline> Guidelines { get; private init; } = [];

    public IReadOnlyList<PromptEarlierStep> EarlierSteps { get; private init; } = [];

    public IReadOnlyList<string> Guidance { get; private init; } = [];

    /// <summary>What an editor asked to change (reject, regenerate), without the section's lead-in line; empty when absent.</summary>
    public string Feedback { get; private init; } = "";

    public string? Input(string key) =>
        Inputs.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static readonly string[] Headings =
    [
        PromptBuilder.StepHeading, PromptBuilder.TaskHeading, PromptBuilder.InputsHeading,
        PromptBuilder.GuidelinesHeading, PromptBuilder.EarlierHeading, PromptBuilder.GuidanceHeading,
        PromptBuilder.FeedbackHeading,
    ];

    private static readonly HashSet<string> CategoryNames =
        [.. Enum.GetValues<KnowledgeCategory>().Select(EnumDisplay.Of)];

    private static readonly HashSet<string> StepTypeNames = [.. EnumNames<StepType>.All];

    public static PromptSections Parse(string prompt)
    {
        var sections = SplitSections(prompt.ReplaceLineEndings("\n").Split('\n'));
        var step = sections.GetValueOrDefault(PromptBuilder.StepHeading, []);
        return new PromptSections
        {
            StepName = Field(step, "name"),
            StepType = Field(step, "type"),
            Task = string.Join('\n', sections.GetValueOrDefault(PromptBuilder.TaskHeading, [])).Trim(),
            Inputs = ParseInputs(sections.GetValueOrDefault(PromptBuilder.InputsHeading, [])),
            Guidelines = [.. ParseSubsections(sections.GetValueOrDefault(PromptBuilder.GuidelinesHeading, []), CategoryNames)
                .Select(s => new PromptGuideline(s.Title, s.Label, s.Body))],
            EarlierSteps = [.. ParseSubsections(sections.GetValueOrDefault(PromptBuilder.EarlierHeading, []), StepTypeNames)
                .Select(s => new PromptEarlierStep(s.Title, s.Label, s.Body))],
            Guidance = [.. sections.GetValueOrDefault(PromptBuilder.GuidanceHeading, [])
                .Where(l => l.StartsWith("- ", StringComparison.Ordinal))
                .Select(l => l[2..].Trim())
                .Where(l => l.Length > 0)],
            Feedback = string.Join('\n', sections.GetValueOrDefault(PromptBuilder.FeedbackHeading, []).Skip(1)).Trim(),
        };
    }

    /// <summary>
    /// Sections come in PromptBuilder's fixed order, so a heading only opens a section that comes later than the
    /// current one: a guideline or an earlier output that happens to contain "# Task" stays content.
    /// </summary>
    private static Dictionary<string, List<string>> SplitSections(string[] lines)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var current = -1;
        // Guidance is last and holds only "- " lines, so its real heading is the last one in the prompt.
        var guidanceAt = Array.LastIndexOf(lines, PromptBuilder.GuidanceHeading);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            var index = Array.IndexOf(Headings, line);
            var opens = index > current && (line != PromptBuilder.GuidanceHeading || i == guidanceAt);
            if (opens)
            {
                current = index;
                sections[Headings[current]] = [];
            }
            else if (current >= 0)
            {
                sections[Headings[current]].Add(lines[i]);
            }
        }
        return sections;
    }

    private static string Field(List<string> lines, string name) =>
        lines.Select(l => l.Trim())
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim())
            .FirstOrDefault() ?? "";

    private static Dictionary<string, string> ParseInputs(List<string> lines)
    {
        var inputs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Where(l => l.StartsWith("- ", StringComparison.Ordinal)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 2)
            {
                inputs.TryAdd(line[2..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }
        return inputs;
    }

    /// <summary>
    /// <c>## Title (Label)</c> headers whose label is a known category or step type; other <c>##</c> lines
    /// (a guideline's own sub-headings, an earlier answer's headings) stay in the body.
    /// </summary>
    private static List<(string Title, string Label, string Body)> ParseSubsections(List<string> lines, HashSet<string> labels)
    {
        var result = new List<(string Title, string Label, List<string> Body)>();
        foreach (var line in lines)
        {
            if (HeaderOf(line, labels) is { } header)
            {
                result.Add((header.Title, header.Label, []));
            }
            else if (result.Count > 0)
            {
                result[^1].Body.Add(line);
            }
        }
        return [.. result.Select(r => (r.Title, r.Label, string.Join('\n', r.Body).Trim()))];
    }

    private static (string Title, string Label)? HeaderOf(string line, HashSet<string> labels)
    {
        var trimmed = line.TrimEnd();
        if (!trimmed.StartsWith("## ", StringComparison.Ordinal) || !trimmed.EndsWith(')'))
        {
            return null;
        }
        var open = trimmed.LastIndexOf(" (", StringComparison.Ordinal);
        if (open < 3)
        {
            return null;
        }
        var label = trimmed[(open + 2)..^1];
        return labels.Contains(label) ? (trimmed[3..open].Trim(), label) : null;
    }
}
