using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Pipelines;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Tests.Core.Agents;

/// <summary>
/// Prompts built by the real <see cref="PromptBuilder"/> from the demo organizations' templates and guideline
/// documents, and a walk through the Standard Video Workflow with the Simulated writer.
/// </summary>
internal sealed class DemoPrompts
{
    public const string Topic = "Home espresso for beginners";
    public const string Audience = "Coffee lovers who just bought their first machine";
    public const string Format = "YouTube long-form explainer";

    public const string BannedWords = "Banned Words and Phrases in Every Video, Short or Long";
    public const string BrandVoice = "Brand Voice: Tone and Personality";
    public const string ScriptRules = "Video Script Formatting Rules";
    public const string ThumbnailGuide = "Thumbnail Visual Style Guide for Every Video, Short or Long";
    public const string ProductFacts = "Reference: Product Facts and Claims We Can Make";
    public const string AudienceMetrics = "Audience Metrics Q3";
    public const string SearchNotes = "Search Performance Notes";

    public Dictionary<string, string> Inputs { get; init; } = new()
    {
        ["topic"] = Topic,
        ["audience"] = Audience,
        ["format"] = Format,
    };

    public List<string> Guidance { get; init; } = [];

    private readonly List<EarlierOutput> _earlier = [];

    public static RetrievedDocument Document(string title)
    {
        var seed = DemoContent.AlphaKnowledge.Concat(DemoContent.BetaKnowledge).Single(k => k.Title == title);
        return new RetrievedDocument(0, seed.Title, seed.Category, 0, seed.Content);
    }

    public static string Build(
        StepType stepType, IReadOnlyDictionary<string, string> inputs, IEnumerable<string> guidelineTitles,
        IReadOnlyList<EarlierOutput>? earlier = null, IReadOnlyList<string>? guidance = null)
    {
        var step = DemoContent.AlphaTemplates[0].Steps.Single(s => s.StepType == stepType);
        return PromptBuilder.Build(new StepPromptContext(
            step.Name, stepType, step.PromptTemplate, inputs,
            [.. guidelineTitles.Select(Document)], earlier ?? [], guidance ?? []));
    }

    /// <summary>Runs the step with the Simulated writer and keeps its output for the steps after it.</summary>
    public string Run(StepType stepType, params string[] guidelineTitles)
    {
        var prompt = Build(stepType, Inputs, guidelineTitles, [.. _earlier], Guidance);
        var output = SimulatedWriter.Write(prompt);
        var step = DemoContent.AlphaTemplates[0].Steps.Single(s => s.StepType == stepType);
        _earlier.Add(new EarlierOutput(step.Name, stepType, output));
        return output;
    }

    public string PromptFor(StepType stepType, params string[] guidelineTitles) =>
        Build(stepType, Inputs, guidelineTitles, [.. _earlier], Guidance);
}
