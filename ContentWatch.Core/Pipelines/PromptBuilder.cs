using System.Text;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Core.Pipelines;

/// <summary>An earlier step's finished output, fed to the steps after it.</summary>
public sealed record EarlierOutput(string StepName, StepType StepType, string Output);

/// <summary>Everything one step's prompt is made of (ARCHITECTURE.md §3.2).</summary>
public sealed record StepPromptContext(
    string StepName,
    StepType StepType,
    string PromptTemplate,
    IReadOnlyDictionary<string, string> Inputs,
    IReadOnlyList<RetrievedDocument> Guidelines,
    IReadOnlyList<EarlierOutput> EarlierOutputs,
    IReadOnlyList<string> Guidance);

/// <summary>
/// Renders a step's user prompt as markdown with fixed section headings. The agent's system prompt goes
/// separately. The headings are part of the contract with the models: the Simulated model reads the
/// sections back (PromptSections), and real models get a clearly structured brief.
/// </summary>
public static class PromptBuilder
{
    public const string StepHeading = "# Step";
    public const string TaskHeading = "# Task";
    public const string InputsHeading = "# Inputs";
    public const string GuidelinesHeading = "# Brand guidelines";
    public const string EarlierHeading = "# Earlier steps";
    public const string GuidanceHeading = "# Creator guidance";

    /// <summary>Replaces <c>{name}</c> placeholders with input values; unknown placeholders stay as written.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> inputs)
    {
        var result = new StringBuilder(template);
        foreach (var (key, value) in inputs)
        {
            result.Replace("{" + key + "}", value);
        }
        return result.ToString();
    }

    public static string Build(StepPromptContext context)
    {
        var prompt = new StringBuilder();
        prompt.Append(StepHeading).Append('\n')
            .Append("name: ").Append(context.StepName).Append('\n')
            .Append("type: ").Append(EnumNames<StepType>.Name(context.StepType)).Append("\n\n");

        prompt.Append(TaskHeading).Append('\n').Append(Render(context.PromptTemplate, context.Inputs).Trim()).Append("\n\n");

        prompt.Append(InputsHeading).Append('\n');
        foreach (var (key, value) in context.Inputs)
        {
            prompt.Append("- ").Append(key).Append(": ").Append(value.ReplaceLineEndings(" ")).Append('\n');
        }
        prompt.Append('\n');

        prompt.Append(GuidelinesHeading).Append('\n');
        if (context.Guidelines.Count == 0)
        {
            prompt.Append(KnowledgeRetriever.NoGuidelinesSentence).Append("\n\n");
        }
        foreach (var document in context.Guidelines)
        {
            prompt.Append("## ").Append(document.Title).Append(" (").Append(EnumDisplay.Of(document.Category)).Append(")\n")
                .Append(document.Content.Trim()).Append("\n\n");
        }

        if (context.EarlierOutputs.Count > 0)
        {
            prompt.Append(EarlierHeading).Append('\n');
            foreach (var earlier in context.EarlierOutputs)
            {
                prompt.Append("## ").Append(earlier.StepName).Append(" (").Append(EnumNames<StepType>.Name(earlier.StepType)).Append(")\n")
                    .Append(earlier.Output.Trim()).Append("\n\n");
            }
        }

        if (context.Guidance.Count > 0)
        {
            prompt.Append(GuidanceHeading).Append('\n');
            foreach (var guidance in context.Guidance)
            {
                prompt.Append("- ").Append(guidance.ReplaceLineEndings(" ")).Append('\n');
            }
        }
        return prompt.ToString().TrimEnd() + "\n";
    }
}
