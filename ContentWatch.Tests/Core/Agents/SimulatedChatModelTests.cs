using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ContentWatch.Core.Agents;
using ContentWatch.Core.Compliance;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence.Seeding;
using ContentWatch.Core.Retrieval;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace ContentWatch.Tests.Core.Agents;

public sealed class SimulatedChatModelTests
{
    private static readonly AgentProfile Writer = new()
    {
        Name = "Script Writer",
        SystemPrompt = DemoContent.AlphaAgents[0].SystemPrompt,
        Temperature = 0.8,
    };

    private static AgentInvoker Invoker(int chunkDelayMs = 0)
    {
        var options = Options.Create(new AIOptions { Simulated = new SimulatedModelOptions { ChunkDelayMs = chunkDelayMs } });
        return new AgentInvoker(new SimulatedChatModel(options), options);
    }

    private static async Task<List<AgentUpdate>> StreamAllAsync(AgentInvoker invoker, string prompt)
    {
        var updates = new List<AgentUpdate>();
        await foreach (var update in invoker.StreamAsync(Writer, prompt, TestContext.Current.CancellationToken))
        {
            updates.Add(update);
        }
        return updates;
    }

    [Fact]
    public void ScriptGeneration_WritesAScriptForTheTopicAudienceAndFormat_NamingItsGuidelines()
    {
        var script = new DemoPrompts().Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice, DemoPrompts.ProductFacts);

        Assert.Contains(DemoPrompts.Topic, script, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.Audience, script, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.Format, script, StringComparison.Ordinal);
        Assert.Contains("## Hook (0:00–0:05)", script, StringComparison.Ordinal);
        Assert.Matches(@"\*\*\d:\d{2}–\d:\d{2} — .+\*\*", script);
        Assert.Contains("[B-ROLL:", script, StringComparison.Ordinal);
        Assert.Contains("## Call to action", script, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.BrandVoice, script, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.ProductFacts, script, StringComparison.Ordinal);
    }

    [Fact]
    public void ScriptGeneration_ForShortForm_WritesAVerticalClipWithACaptionOnEveryLine()
    {
        var demo = new DemoPrompts { Inputs = new() { ["topic"] = "Electric bike commute", ["audience"] = "city commuters", ["format"] = "TikTok (45–60 s)" } };

        var script = demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        Assert.Contains("## Hook (0:00–0:02)", script, StringComparison.Ordinal);
        Assert.Contains("0:40–0:55", script, StringComparison.Ordinal);
        Assert.DoesNotContain("7:30", script, StringComparison.Ordinal);
        var lines = script.Split('\n');
        var scriptStart = Array.IndexOf(lines, "## Script");
        var spoken = lines.Select((line, i) => (line, i))
            .Where(x => x.i > scriptStart && x.line.Length > 0 && char.IsLetter(x.line[0]) && !x.line.StartsWith("##", StringComparison.Ordinal))
            .TakeWhile(x => !x.line.StartsWith("Follow", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(spoken);
        Assert.All(spoken, x => Assert.StartsWith("[ON-SCREEN:", lines[x.i + 1], StringComparison.Ordinal));
    }

    [Fact]
    public void ScriptGeneration_ForAShowNotesTemplate_WritesShowNotes_ButATopicAboutPodcastsStaysAVideoScript()
    {
        var step = DemoContent.BetaTemplates[0].Steps[0];
        var inputs = new Dictionary<string, string> { ["topic"] = "Setting your day rate", ["audience"] = "new freelancers" };
        var showNotes = SimulatedWriter.Write(ContentWatch.Core.Pipelines.PromptBuilder.Build(new(
            step.Name, step.StepType, step.PromptTemplate, inputs, [DemoPrompts.Document("House Style: Voice and Spelling")], [], [])));
        var podcastVideo = new DemoPrompts { Inputs = new() { ["topic"] = "How to start a podcast", ["audience"] = "creators" } }
            .Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        Assert.Contains("## Standfirst", showNotes, StringComparison.Ordinal);
        Assert.Matches(@"- \*\*\d{2}:\d{2}\*\* — ", showNotes);
        Assert.Contains("## Links mentioned", showNotes, StringComparison.Ordinal);
        Assert.Contains("## Hook (0:00–0:05)", podcastVideo, StringComparison.Ordinal);
    }

    [Fact]
    public void ScriptGeneration_WhenItsGuidelinesBanWords_SlipsOneOrTwoOfThemIn_AndOtherwiseNone()
    {
        var banned = BannedTerms.From([Guideline(DemoPrompts.BannedWords)]);

        var withList = Baited().Run(StepType.ScriptGeneration, DemoPrompts.BannedWords, DemoPrompts.ProductFacts);
        var withoutList = Baited().Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice, DemoPrompts.ProductFacts);

        Assert.InRange(BannedHits(banned, withList).Count, 1, 2);
        Assert.Empty(BannedHits(banned, withoutList));
    }

    [Fact]
    public void ScriptGeneration_OnAPlainTopic_SlipsNoBannedWordIn_EvenWhenItsGuidelinesBanWords()
    {
        var banned = BannedTerms.From([Guideline(DemoPrompts.BannedWords)]);

        var plain = new DemoPrompts().Run(StepType.ScriptGeneration, DemoPrompts.BannedWords, DemoPrompts.ProductFacts);
        var baited = Baited().Run(StepType.ScriptGeneration, DemoPrompts.BannedWords, DemoPrompts.ProductFacts);

        Assert.Empty(BannedHits(banned, plain));
        Assert.NotEmpty(BannedHits(banned, baited));
    }

    [Theory]
    [InlineData("The ultimate home espresso guide for beginners")]
    [InlineData("Espresso hacks that unlock better coffee")]
    public void ScriptGeneration_RevisedWithFeedbackThatNamesItsBannedWords_IsClean(string topic)
    {
        var banned = BannedTerms.From([Guideline(DemoPrompts.BannedWords)]);
        var inputs = new Dictionary<string, string> { ["topic"] = topic, ["audience"] = DemoPrompts.Audience, ["format"] = DemoPrompts.Format };
        var first = SimulatedWriter.Write(ScriptPrompt(inputs, feedback: null));
        var feedback = string.Join('\n', BannedHits(banned, first).Select(h => $"Banned term “{h.MatchedText}”: “{h.Line}”"));

        var revised = SimulatedWriter.Write(ScriptPrompt(inputs, feedback));

        Assert.NotEmpty(BannedHits(banned, first));
        Assert.Empty(BannedHits(banned, revised));
        Assert.Contains("> **Revised after your feedback:** Banned term", revised, StringComparison.Ordinal);
        Assert.Contains("## Hook (0:00–0:05)", revised, StringComparison.Ordinal);
    }

    [Fact]
    public void BrandVoiceCheck_QuotesTheScriptLinesThatUseABannedWord_AndFailsTheScript()
    {
        var demo = Baited();
        var script = demo.Run(StepType.ScriptGeneration, DemoPrompts.BannedWords, DemoPrompts.ProductFacts);
        var offending = BannedHits(BannedTerms.From([Guideline(DemoPrompts.BannedWords)]), script);

        var review = demo.Run(StepType.BrandVoiceCheck, DemoPrompts.BannedWords, DemoPrompts.ScriptRules);

        Assert.NotEmpty(offending);
        Assert.All(offending, hit =>
        {
            Assert.Contains($"“{hit.Line}”", review, StringComparison.Ordinal);
            Assert.Contains($"“{hit.MatchedText}”", review, StringComparison.Ordinal);
        });
        Assert.Contains("“Honestly, getting this one habit right is the biggest upgrade.”", review, StringComparison.Ordinal);
        Assert.Matches(@"\*\*FAIL\*\* — Score: \d+/100", review);
        Assert.Contains(DemoPrompts.BannedWords, review, StringComparison.Ordinal);
        Assert.Contains(BaitTopic, review, StringComparison.Ordinal);
    }

    [Fact]
    public void BrandVoiceCheck_OfACleanScript_PassesAndApprovesTheHook()
    {
        var demo = new DemoPrompts();
        demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        var review = demo.Run(StepType.BrandVoiceCheck, DemoPrompts.BannedWords, DemoPrompts.ScriptRules);

        Assert.Contains("**PASS** — Score: 100/100", review, StringComparison.Ordinal);
        Assert.Contains("No issues found.", review, StringComparison.Ordinal);
        Assert.Contains("Hook approved.", review, StringComparison.Ordinal);
    }

    [Fact]
    public void BrandVoiceCheck_ReadsBannedPhrasesFromAHouseStyleSection()
    {
        var inputs = new Dictionary<string, string> { ["topic"] = "Setting your day rate", ["audience"] = "new freelancers" };
        var houseStyle = "House Style: Voice and Spelling";
        var draft = new ContentWatch.Core.Pipelines.EarlierOutput("Show notes draft", StepType.ScriptGeneration,
            "## Headline\nDay rates without the guesswork\n## Newsletter section\nThis week we take a deep dive into day rates.\nWe reach out to three freelancers.");

        var review = SimulatedWriter.Write(DemoPrompts.Build(StepType.BrandVoiceCheck, inputs, [houseStyle], [draft]));

        Assert.Contains("“This week we take a deep dive into day rates.”", review, StringComparison.Ordinal);
        Assert.Contains("“We reach out to three freelancers.”", review, StringComparison.Ordinal);
        Assert.Contains(houseStyle, review, StringComparison.Ordinal);
    }

    [Fact]
    public void ThumbnailConcept_ProposesThreeConcepts_WithShortOverlaysAndTheStyleGuideColours()
    {
        var demo = new DemoPrompts();
        demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        var concepts = demo.Run(StepType.ThumbnailConcept, DemoPrompts.ThumbnailGuide, DemoPrompts.ProductFacts);

        Assert.Equal(3, Regex.Count(concepts, @"^## Concept [ABC] — ", RegexOptions.Multiline));
        var overlays = Regex.Matches(concepts, @"\*\*Text overlay:\*\* (.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, overlays.Count);
        Assert.All(overlays, o => Assert.InRange(o.Split(' ').Length, 1, 4));
        Assert.Contains("#FF5A4E", concepts, StringComparison.Ordinal);
        Assert.Contains("#1B1F3B", concepts, StringComparison.Ordinal);
        Assert.Contains("Face and expression", concepts, StringComparison.Ordinal);
        Assert.Contains("“Home Espresso for Beginners: What to Know Before You Start”", concepts, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.ThumbnailGuide, concepts, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.Audience, concepts, StringComparison.Ordinal);
    }

    [Fact]
    public void SeoOptimization_GivesTitlesOf60CharactersAtMost_AndChaptersFromTheScriptTimestamps()
    {
        var demo = new DemoPrompts();
        demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        var seo = demo.Run(StepType.SeoOptimization, DemoPrompts.AudienceMetrics, DemoPrompts.SearchNotes);

        var titles = Regex.Matches(seo, @"^\d\. (.+) \((\d+)\)$", RegexOptions.Multiline).ToList();
        Assert.Equal(3, titles.Count);
        Assert.All(titles, t =>
        {
            Assert.Equal(t.Groups[1].Value.Length, int.Parse(t.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(t.Groups[1].Value.Length <= 60, t.Groups[1].Value);
        });
        Assert.Contains("0:00 The hook", seo, StringComparison.Ordinal);
        Assert.Contains("2:30 The costliest mistake", seo, StringComparison.Ordinal);
        var tags = Regex.Match(seo, @"## Tags\n(.+)\n").Groups[1].Value.Split(", ");
        Assert.InRange(tags.Length, 10, 15);
        Assert.Contains("home espresso for beginners", tags);
        Assert.Equal(3, Regex.Match(seo, @"## Hashtags\n(.+)\n").Groups[1].Value.Split(' ').Length);
        Assert.Contains(DemoPrompts.SearchNotes, seo, StringComparison.Ordinal);
        Assert.Contains(DemoPrompts.Format, seo, StringComparison.Ordinal);
    }

    [Fact]
    public void SeoOptimization_ForAVeryLongTopic_StillGivesTitlesOf60CharactersAtMost()
    {
        var topic = "How to choose, set up and maintain an espresso grinder for a small home kitchen on a tight budget";
        var demo = new DemoPrompts { Inputs = new() { ["topic"] = topic, ["audience"] = "first-time home baristas with little space" } };
        demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        var seo = demo.Run(StepType.SeoOptimization, DemoPrompts.SearchNotes);

        var titles = Regex.Matches(seo, @"^\d\. (.+) \((\d+)\)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, titles.Distinct().Count());
        Assert.All(titles, t => Assert.True(t.Length <= 60, $"{t} ({t.Length})"));
        Assert.All(titles, t => Assert.StartsWith("How to Choose", t, StringComparison.Ordinal));
    }

    [Fact]
    public void QuestionTopics_ReadAsQuestions_InTitlesHooksAndOverlays()
    {
        var demo = new DemoPrompts { Inputs = new() { ["topic"] = "Is an e-bike worth it", ["audience"] = "city commuters", ["format"] = "TikTok" } };

        var script = demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);
        var concepts = demo.Run(StepType.ThumbnailConcept, DemoPrompts.ThumbnailGuide);
        var seo = demo.Run(StepType.SeoOptimization, DemoPrompts.SearchNotes);

        Assert.Contains("## Working title\nIs an E-bike Worth It? The 60-Second Answer\n", script, StringComparison.Ordinal);
        Assert.Contains("## Hook (0:00–0:02)\nIs an e-bike worth it? Watch this first.", script, StringComparison.Ordinal);
        Assert.Contains("E-BIKE DONE RIGHT", concepts, StringComparison.Ordinal);
        Assert.Contains("1. Is an E-bike Worth It? What to Know Before You Start (", seo, StringComparison.Ordinal);
        Assert.DoesNotContain("about is an", script + seo, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnyOtherStepType_GetsAGenericDeliverableOnTheBrief()
    {
        var prompt = "# Step\nname: Community post\ntype: community_post\n\n# Task\nWrite a community post about the new video.\n\n"
            + "# Inputs\n- topic: Home espresso for beginners\n- audience: subscribers\n\n# Brand guidelines\n"
            + KnowledgeRetriever.NoGuidelinesSentence + "\n";

        var answer = SimulatedWriter.Write(prompt);

        Assert.StartsWith("# Community post", answer, StringComparison.Ordinal);
        Assert.Contains("## Recommendations", answer, StringComparison.Ordinal);
        Assert.Contains("Home espresso for beginners", answer, StringComparison.Ordinal);
        Assert.Contains(KnowledgeRetriever.NoGuidelinesSentence, answer, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatorGuidance_IsQuotedAndVisiblyApplied()
    {
        var demo = new DemoPrompts { Guidance = ["Make it a bit funnier and mention the Crema Home Duo", "Keep it shorter"] };

        var script = demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);
        var plain = new DemoPrompts().Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        Assert.Contains("**Per your guidance:** “Make it a bit funnier and mention the Crema Home Duo”", script, StringComparison.Ordinal);
        Assert.Contains("**Per your guidance:** “Keep it shorter”", script, StringComparison.Ordinal);
        Assert.Contains("This is where the Crema Home Duo comes in.", script, StringComparison.Ordinal);
        Assert.Contains("mine included", script, StringComparison.Ordinal);
        Assert.DoesNotContain("Putting it into practice", script, StringComparison.Ordinal);
        Assert.Contains("Putting it into practice", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("Per your guidance", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void SamePrompt_GivesTheSameText_AndAnotherTopicAnotherText()
    {
        var prompt = new DemoPrompts().PromptFor(StepType.ScriptGeneration, DemoPrompts.BannedWords);
        var other = new DemoPrompts { Inputs = new() { ["topic"] = "Notion vs Obsidian", ["audience"] = "students" } }
            .PromptFor(StepType.ScriptGeneration, DemoPrompts.BannedWords);

        Assert.Equal(SimulatedWriter.Write(prompt), SimulatedWriter.Write(prompt));
        Assert.NotEqual(SimulatedWriter.Write(prompt), SimulatedWriter.Write(other));
        Assert.Contains("Notion vs Obsidian", SimulatedWriter.Write(other), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_SendsManySmallChunks_ThatAddUpToTheWholeAnswer_ThenTheTokenUsage()
    {
        var prompt = new DemoPrompts().PromptFor(StepType.ScriptGeneration, DemoPrompts.BannedWords);

        var updates = await StreamAllAsync(Invoker(), prompt);

        var text = string.Concat(updates.Select(u => u.TextDelta));
        Assert.Equal(SimulatedWriter.Write(prompt), text);
        var chunks = updates.Where(u => u.TextDelta.Length > 0).ToList();
        Assert.True(chunks.Count > 100, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.InRange(c.TextDelta.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length, 1, 10));
        var usage = Assert.Single(updates, u => u.OutputTokens is not null);
        Assert.Same(updates[^1], usage);
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.InRange(usage.OutputTokens!.Value, words, words * 2);
        Assert.True(usage.InputTokens > prompt.Split(' ').Length, $"{usage.InputTokens} input tokens");
        Assert.Equal("simulated", Invoker().ModelName);
    }

    [Fact]
    public async Task NonStreamingCall_ReturnsTheSameAnswer()
    {
        var prompt = new DemoPrompts().PromptFor(StepType.SeoOptimization, DemoPrompts.SearchNotes);
        var model = new SimulatedChatModel(Options.Create(new AIOptions()));
        var history = new ChatHistory();
        history.AddSystemMessage(Writer.SystemPrompt);
        history.AddUserMessage(prompt);

        var answer = Assert.Single(await model.GetChatMessageContentsAsync(history, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(SimulatedWriter.Write(prompt), answer.Content);
        Assert.True((int)answer.Metadata![AgentInvoker.OutputTokensKey]! > 0);
    }

    [Fact]
    public async Task ChunkDelay_PausesBetweenChunks()
    {
        var prompt = new DemoPrompts().PromptFor(StepType.ScriptGeneration);
        var watch = Stopwatch.StartNew();
        var received = 0;

        await foreach (var _ in Invoker(chunkDelayMs: 20).StreamAsync(Writer, prompt, TestContext.Current.CancellationToken))
        {
            if (++received == 20)
            {
                break;
            }
        }

        Assert.True(watch.ElapsedMilliseconds >= 300, $"20 chunks 20 ms apart took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Cancellation_StopsTheStreamDuringADelay()
    {
        var prompt = new DemoPrompts().PromptFor(StepType.ScriptGeneration);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var received = new StringBuilder();
        var watch = new Stopwatch();

        var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Invoker(chunkDelayMs: 2_000).StreamAsync(Writer, prompt, cancellation.Token))
            {
                received.Append(update.TextDelta);
                watch.Start();
                cancellation.CancelAfter(50);
            }
        });

        Assert.True(watch.ElapsedMilliseconds < 50 + 250, $"stopped {watch.ElapsedMilliseconds} ms after the first chunk");
        Assert.NotEqual(0, received.Length);
        Assert.Equal(cancellation.Token, exception.CancellationToken);
    }

    [Fact]
    public void PromptSections_ReadBackWhatPromptBuilderWrote()
    {
        var demo = new DemoPrompts { Guidance = ["Mention the price"] };
        demo.Run(StepType.ScriptGeneration, DemoPrompts.BrandVoice);

        var sections = PromptSections.Parse(demo.PromptFor(StepType.BrandVoiceCheck, DemoPrompts.BrandVoice, DemoPrompts.BannedWords));

        Assert.Equal("Brand voice check", sections.StepName);
        Assert.Equal("brand_voice_check", sections.StepType);
        Assert.Contains("Audit the script above about Home espresso for beginners", sections.Task, StringComparison.Ordinal);
        Assert.Equal(DemoPrompts.Audience, sections.Input("audience"));
        Assert.Equal([DemoPrompts.BrandVoice, DemoPrompts.BannedWords], sections.Guidelines.Select(g => g.Title));
        Assert.Equal("Brand Voice", sections.Guidelines[0].Category);
        Assert.Contains("## Our personality", sections.Guidelines[0].Content, StringComparison.Ordinal);
        var earlier = Assert.Single(sections.EarlierSteps);
        Assert.Equal(("Script generation", "script_generation"), (earlier.StepName, earlier.StepType));
        Assert.Contains("## Call to action", earlier.Output, StringComparison.Ordinal);
        Assert.Equal(["Mention the price"], sections.Guidance);
    }

    [Fact]
    public void BannedTerms_AreReadFromTheGuideline_WithTheirDropInAlternatives()
    {
        var banned = BannedTerms.From([Guideline(DemoPrompts.BannedWords)]);

        Assert.True(banned.FromGuidelines);
        var terms = banned.All.ToDictionary(t => t.Term, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("use", terms["leverage"].Replacement);
        Assert.Equal("the biggest upgrade", terms["game-changer"].Replacement);
        Assert.Equal("", terms["literally"].Replacement);
        Assert.Contains("Hey guys, welcome back to the channel", terms.Keys);
        Assert.DoesNotContain(terms.Keys, k => k.StartsWith("Reference", StringComparison.Ordinal));
        Assert.Equal("Leveraging the grinder helps.", banned.FindIn("Leveraging the grinder helps.").Single().Line);
        Assert.Equal("It takes five minutes.", banned.FindIn("It literally takes five minutes.").Single().SuggestedLine);
        Assert.Same(BannedTerms.BuiltIn, BannedTerms.From([Guideline(DemoPrompts.BrandVoice)]));
    }

    /// <summary>A topic that baits the writer with hype ("ultimate"), so that it slips banned words in.</summary>
    private const string BaitTopic = "The ultimate home espresso guide for beginners";

    private static DemoPrompts Baited() =>
        new() { Inputs = new() { ["topic"] = BaitTopic, ["audience"] = DemoPrompts.Audience, ["format"] = DemoPrompts.Format } };

    private static string ScriptPrompt(Dictionary<string, string> inputs, string? feedback)
    {
        var step = DemoContent.AlphaTemplates[0].Steps.Single(s => s.StepType == StepType.ScriptGeneration);
        return ContentWatch.Core.Pipelines.PromptBuilder.Build(new(
            step.Name, step.StepType, step.PromptTemplate, inputs,
            [DemoPrompts.Document(DemoPrompts.BannedWords), DemoPrompts.Document(DemoPrompts.ProductFacts)], [], [], feedback));
    }

    private static PromptGuideline Guideline(string title)
    {
        var document = DemoPrompts.Document(title);
        return new PromptGuideline(document.Title, EnumDisplay.Of(document.Category), document.Content);
    }

    /// <summary>The banned terms in the draft's own lines (not the quoted brief or revision notes, nor the production notes).</summary>
    private static List<BannedTermHit> BannedHits(BannedTerms banned, string draft) =>
        [.. SimulatedBrandChecker.DraftLines(draft).SelectMany(banned.FindIn)];
}
