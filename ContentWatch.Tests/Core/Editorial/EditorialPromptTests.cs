using ContentWatch.Core.Agents;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Pipelines;

namespace ContentWatch.Tests.Core.Editorial;

/// <summary>Feedback in a step's prompt: last, under its own heading, read back by the Simulated model and nowhere else.</summary>
public sealed class EditorialPromptTests
{
    private static StepPromptContext Context(string? feedback) => new(
        "Script", StepType.ScriptGeneration, "Write about {topic}.", new Dictionary<string, string> { ["topic"] = "moka pots" }, [],
        [new EarlierOutput("Research", StepType.ScriptGeneration, "Earlier text.")], ["Keep it short."], feedback);

    [Fact]
    public void Feedback_IsTheLastSection_AndIsReadBackApartFromGuidanceAndEarlierSteps()
    {
        var prompt = PromptBuilder.Build(Context("Open with a question."));
        var sections = PromptSections.Parse(prompt);

        Assert.True(prompt.IndexOf(PromptBuilder.FeedbackHeading, StringComparison.Ordinal) > prompt.IndexOf(PromptBuilder.GuidanceHeading, StringComparison.Ordinal));
        Assert.Equal("Open with a question.", sections.Feedback);
        Assert.Equal(["Keep it short."], sections.Guidance);
        Assert.Equal("Earlier text.", Assert.Single(sections.EarlierSteps).Output);
    }

    [Fact]
    public void WithoutFeedback_ThePromptHasNoFeedbackSection()
    {
        var prompt = PromptBuilder.Build(Context(null));

        Assert.DoesNotContain(PromptBuilder.FeedbackHeading, prompt, StringComparison.Ordinal);
        Assert.Equal("", PromptSections.Parse(prompt).Feedback);
    }

    [Fact]
    public void TheSimulatedModel_SaysWhatARevisionAnswers()
    {
        var revised = SimulatedWriter.Write(PromptBuilder.Build(Context("Open with a question.")));
        var first = SimulatedWriter.Write(PromptBuilder.Build(Context(null)));

        Assert.StartsWith("> **Revised after your feedback:** Open with a question.", revised, StringComparison.Ordinal);
        Assert.DoesNotContain("Revised after your feedback", first, StringComparison.Ordinal);
    }
}
