using System.Globalization;
using System.Text;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Core.Pipelines;

/// <summary>An earlier step's finished output, fed to the steps after it.</summary>
public sealed record EarlierOutput(string StepName, StepType StepType, string Output, int StepOrder = 0);

/// <summary>Everything one step's prompt is made of (ARCHITECTURE.md §3.2).</summary>
public sealed record StepPromptContext(
    string StepName,
    StepType StepType,
    string PromptTemplate,
    IReadOnlyDictionary<string, string> Inputs,
    IReadOnlyList<RetrievedDocument> Guidelines,
    IReadOnlyList<EarlierOutput> EarlierOutputs,
    IReadOnlyList<string> Guidance,
    string? Feedback = null);

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
    public const string FeedbackHeading = "# Editor feedback";

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

    /// <summary>
    /// What the creator guidance section may take of a prompt, in tokens (estimated at
    /// <see cref="CharactersPerToken"/> characters each): a run that received hundreds of messages still sends a
    /// prompt the model reads within a step's timeout.
    /// </summary>
    public const int GuidanceTokenBudget = 2_000;

    /// <summary>A rough, model-independent estimate; English prose averages about four characters a token.</summary>
    public const int CharactersPerToken = 4;

    public static string Build(StepPromptContext context, int guidanceTokenBudget = GuidanceTokenBudget)
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
            AppendGuidance(prompt, context.Guidance, guidanceTokenBudget);
        }

        // Last, so that it is what the model reads just before answering: the editor rejected the previous version.
        if (!string.IsNullOrWhiteSpace(context.Feedback))
        {
            prompt.Append('\n').Append(FeedbackHeading).Append('\n')
                .Append("A person reviewed the previous version of this step and asked for this change:\n")
                .Append(context.Feedback.Trim()).Append("\n\n");
        }
        return prompt.ToString().TrimEnd() + "\n";
    }

    /// <summary>
    /// The latest messages that fit the budget, oldest first, after a line saying how many earlier ones were left
    /// out (not a "- " line, so it is not read back as guidance). The newest message always goes in, cut if it alone
    /// is over the budget: it is what the creator asked last.
    /// </summary>
    private static void AppendGuidance(StringBuilder prompt, IReadOnlyList<string> guidance, int tokenBudget)
    {
        var budget = (long)tokenBudget * CharactersPerToken;
        var kept = new List<string>();
        long used = 0;
        for (var i = guidance.Count - 1; i >= 0; i--)
        {
            var line = "- " + guidance[i].ReplaceLineEndings(" ") + "\n";
            if (used + line.Length > budget)
            {
                if (kept.Count == 0)
                {
                    kept.Add(line[..(int)Math.Max(3, budget - 2)].TrimEnd() + "…\n");
                }
                break;
            }
            kept.Add(line);
            used += line.Length;
        }

        prompt.Append(GuidanceHeading).Append('\n');
        var leftOut = guidance.Count - kept.Count;
        if (leftOut > 0)
        {
            prompt.Append(leftOut.ToString("N0", CultureInfo.InvariantCulture))
                .Append(leftOut == 1 ? " earlier message was" : " earlier messages were")
                .Append(" left out to keep the prompt short; the latest ones follow.\n");
        }
        for (var i = kept.Count - 1; i >= 0; i--)
        {
            prompt.Append(kept[i]);
        }
    }
}
