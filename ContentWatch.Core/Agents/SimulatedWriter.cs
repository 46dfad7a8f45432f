using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Retrieval;

namespace ContentWatch.Core.Agents;

/// <summary>
/// Writes the Simulated model's answers: step-type-aware markdown built from the prompt's sections, written to
/// read like an agency deliverable because it is the first thing a new user sees. Deterministic: the same prompt
/// always gives the same text (variants are picked by a stable hash of the brief, never at random).
/// </summary>
internal static partial class SimulatedWriter
{
    public static string Write(string userPrompt) => Write(PromptSections.Parse(userPrompt));

    public static string Write(PromptSections prompt)
    {
        var brief = new SimulatedBrief(prompt);
        var body = prompt.StepType switch
        {
            "script_generation" when brief.IsShowNotes => WriteShowNotes(brief),
            "script_generation" => WriteScript(brief),
            "brand_voice_check" => WriteReview(brief),
            "thumbnail_concept" => WriteThumbnails(brief),
            "seo_optimization" => WriteSeo(brief),
            _ => WriteGeneric(brief),
        };
        // A revision says what it answers, so that versions side by side show why they differ.
        if (prompt.Feedback.Length > 0)
        {
            if (prompt.StepType == "script_generation")
            {
                body = WithoutStruckTerms(body, prompt);
            }
            body = string.Concat(prompt.Feedback.Split('\n').Where(l => l.Trim().Length > 0).Select(l => $"> **Revised after your feedback:** {l.Trim()}\n")) + "\n" + body;
        }
        return body.TrimEnd() + "\n";
    }

    private static string WriteGeneric(SimulatedBrief brief)
    {
        var text = new StringBuilder();
        var stepName = brief.Prompt.StepName.Length > 0 ? brief.Prompt.StepName : "Deliverable";
        text.AppendLine(CultureInfo.InvariantCulture, $"# {stepName}");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, _ => "reflected in the recommendations below");

        text.AppendLine("## Summary");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"This note covers {brief.TopicInline} for {brief.AudienceInline}, as asked in the task: *{Shorten(FirstSentence(brief.Prompt.Task), 160)}*");
        if (brief.Prompt.EarlierSteps.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"It builds on the earlier steps: {string.Join(", ", brief.Prompt.EarlierSteps.Select(e => $"*{e.StepName}*"))}.");
        }
        text.AppendLine();

        text.AppendLine("## Key points");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Lead with the viewer's problem.** {brief.AudienceSentence} come for an answer; give it in the first lines.");
        text.AppendLine("- **One idea per section.** Each section makes one point and backs it with a concrete example or number.");
        text.AppendLine("- **Facts need a source.** Anything not in the reference documents is marked [CHECK CLAIM] until someone confirms it.");
        text.AppendLine();

        text.AppendLine("## Recommendations");
        text.AppendLine(CultureInfo.InvariantCulture, $"1. Keep the format in mind ({brief.Format}): {(brief.IsShortForm ? "one idea, under a minute, captions on every line" : "a clear promise up front, timestamped sections, a recap at the end")}.");
        text.AppendLine("2. Use the brand's own words for the tone and check every line against its banned words before sign-off.");
        text.AppendLine("3. Close with one call to action, not three.");
        text.AppendLine();

        text.AppendLine("## Next steps");
        text.AppendLine("- Share this with the account manager for a quick yes or no.");
        text.AppendLine("- Carry any open [CHECK CLAIM] items into the next step.");
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    private static void AppendBriefLine(StringBuilder text, SimulatedBrief brief)
    {
        text.Append(CultureInfo.InvariantCulture, $"> **Topic:** {brief.Topic} · **Audience:** {brief.Audience} · **Format:** {brief.Format}");
        foreach (var (key, value) in brief.OtherInputs)
        {
            text.Append(CultureInfo.InvariantCulture, $" · **{Capitalize(key)}:** {value}");
        }
        text.AppendLine().AppendLine();
    }

    /// <summary>Quotes each piece of creator guidance and says what it changed, so the steer is visibly followed.</summary>
    private static void AppendGuidance(StringBuilder text, SimulatedBrief brief, Func<string, string> applied)
    {
        foreach (var guidance in brief.Prompt.Guidance)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"> **Per your guidance:** “{guidance}” — {applied(guidance)}.");
        }
        if (brief.Prompt.Guidance.Count > 0)
        {
            text.AppendLine();
        }
    }

    private static void AppendGuidelinesUsed(StringBuilder text, SimulatedBrief brief)
    {
        text.AppendLine().AppendLine("---");
        if (brief.Prompt.Guidelines.Count == 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"*{KnowledgeRetriever.NoGuidelinesSentence}*");
            return;
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"*Guidelines used: {string.Join("; ", brief.Prompt.Guidelines.Select(g => $"“{g.Title}” ({g.Category})"))}.*");
    }

    /// <summary>The first earlier output of a step type (the script the reviewer audits), else the latest one.</summary>
    private static PromptEarlierStep? Earlier(SimulatedBrief brief, string stepType) =>
        brief.Prompt.EarlierSteps.LastOrDefault(e => e.StepType == stepType);

    private static string FirstSentence(string text)
    {
        var flat = text.ReplaceLineEndings(" ").Trim();
        var end = flat.IndexOfAny(['.', '?', '!']);
        return end > 0 ? flat[..(end + 1)] : flat;
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="max"/> characters at a word boundary, ending in "…".</summary>
    private static string Shorten(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var space = text.LastIndexOf(' ', max - 1);
        return (space > 0 ? text[..space] : text[..(max - 1)]).TrimEnd(',', ';', ':', ' ') + "…";
    }

    private static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string EscapeCell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static int WordCount(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    [GeneratedRegex(@"\b\d{1,2}:\d{2}\b")]
    private static partial Regex Timestamp();
}

/// <summary>The brief every simulated deliverable starts from: the inputs, with sensible stand-ins when one is missing.</summary>
internal sealed partial class SimulatedBrief
{
    private static readonly HashSet<string> SmallWords =
        new(["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "vs", "with", "your", "my", "our", "about"],
            StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> PhraseBreakers =
        new(["for", "with", "in", "on", "at", "to", "vs", "versus", "and", "or", "from", "about", "without", "under", "over", "of",
            "is", "are", "can", "should", "do", "does", "how", "why", "what", "when", "which", "will", "it", "worth", "a", "an", "the",
            "your", "my", "our", "you", "i", "we"],
            StringComparer.OrdinalIgnoreCase);

    // Title case keeps these lower-case unless they start the title.
    private static readonly HashSet<string> TitleSmallWords =
        new(["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "vs", "with"],
            StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> QuestionStarters =
        new(["is", "are", "can", "should", "do", "does", "how", "why", "what", "when", "which", "will", "who"],
            StringComparer.OrdinalIgnoreCase);

    public SimulatedBrief(PromptSections prompt)
    {
        Prompt = prompt;
        Topic = prompt.Input("topic") ?? TopicFromTask(prompt.Task);
        Audience = prompt.Input("audience") ?? "a general audience";
        // What the step asks for, without the inputs rendered into it: a topic such as "starting a podcast" must not
        // turn a video script into show notes.
        var task = prompt.Inputs.Values.Where(v => v.Length > 0)
            .Aggregate(prompt.Task, (text, value) => text.Replace(value, "", StringComparison.OrdinalIgnoreCase));
        Format = prompt.Input("format")
            ?? (Regex.IsMatch(task, @"short-form|vertical|45.60 second|tiktok|reels?\b", RegexOptions.IgnoreCase)
                    && !Regex.IsMatch(task, @"long-form", RegexOptions.IgnoreCase)
                ? "Short-form vertical video"
                : ShowNotesWords().IsMatch(task) ? "Podcast show notes" : "Long-form YouTube video");
        IsShortForm = Regex.IsMatch(Format, @"short|tiktok|reel|vertical|45.60", RegexOptions.IgnoreCase);
        IsShowNotes = ShowNotesWords().IsMatch(Format)
            || (ShowNotesWords().IsMatch(task) && !Regex.IsMatch(task, @"\bvideo\b|\bscript\b", RegexOptions.IgnoreCase));
        OtherInputs = [.. prompt.Inputs
            .Where(p => p.Key is not ("topic" or "audience" or "format") && !string.IsNullOrWhiteSpace(p.Value))
            .Select(p => (p.Key, p.Value.Trim()))];
        Keywords = [.. Words(Topic).Where(w => w.Length >= 3 && !SmallWords.Contains(w) && !PhraseBreakers.Contains(w))];
        MainPhrase = MainPhraseOf(Inline(Topic)) ?? (Keywords.Count > 0 ? Keywords[0] : "this");
        IsQuestion = Topic.TrimEnd().EndsWith('?') || QuestionStarters.Contains(Topic.Split(' ', 2)[0]);
        Seed = StableHash($"{Topic}\n{Audience}\n{Format}\n{prompt.StepName}");
    }

    public PromptSections Prompt { get; }
    public string Topic { get; }
    public string Audience { get; }
    public string Format { get; }
    public bool IsShortForm { get; }
    public bool IsShowNotes { get; }
    public IReadOnlyList<(string Key, string Value)> OtherInputs { get; }

    /// <summary>The topic's content words, in order ("Home espresso for beginners" → home, espresso, beginners).</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>
    /// The topic's main phrase, at most two words, as it reads inside a sentence: the longest run of words between
    /// prepositions and question words ("home espresso" for beginners, is an "e-bike" worth it, setting your "day rate").
    /// </summary>
    public string MainPhrase { get; }

    /// <summary>"Is an e-bike worth it": sentences cannot use such a topic as a noun, so they quote it.</summary>
    public bool IsQuestion { get; }

    public uint Seed { get; }

    /// <summary>
    /// The topic as it reads inside a sentence: a sentence-case topic loses its leading capital ("home espresso for
    /// beginners"); one with other capitals keeps it, since those are likely names ("Notion vs Obsidian").
    /// </summary>
    public string TopicInline => IsQuestion ? $"“{TopicQuestion}”" : Inline(Topic);

    /// <summary>A question topic as a spoken question ("Is an e-bike worth it?").</summary>
    public string TopicQuestion => AsQuestion(Topic);

    public string AudienceInline => Inline(Audience);

    /// <summary>The audience as the subject of a sentence.</summary>
    public string AudienceSentence => char.ToUpperInvariant(Audience[0]) + Audience[1..];

    public string TopicTitle => IsQuestion ? AsQuestion(TitleCase(Topic)) : TitleCase(Topic);

    /// <summary>Appends a title suffix; after a question mark, ": What to Know" becomes " What to Know".</summary>
    public static string WithSuffix(string title, string suffix) =>
        title.EndsWith('?') && suffix.StartsWith(": ", StringComparison.Ordinal) ? title + " " + suffix[2..] : title + suffix;

    public T Pick<T>(IReadOnlyList<T> options, int salt = 0) => options[(int)((Seed + (uint)salt * 2654435761u) % (uint)options.Count)];

    public static string TitleCase(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Select((w, i) =>
            w.Skip(1).Any(char.IsUpper) || (i > 0 && TitleSmallWords.Contains(w))
                ? (i > 0 && TitleSmallWords.Contains(w) ? w.ToLowerInvariant() : w)
                : char.ToUpperInvariant(w[0]) + w[1..]));
    }

    private static string Inline(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return text;
        }
        var first = words[0];
        var sentenceCase = first.Length > 1 && char.IsUpper(first[0]) && !first.Skip(1).Any(char.IsUpper)
            && !words.Skip(1).Any(w => char.IsUpper(w[0]));
        return sentenceCase ? char.ToLowerInvariant(first[0]) + text.TrimStart()[1..] : text.Trim();
    }

    private static string AsQuestion(string text)
    {
        var trimmed = text.Trim().TrimEnd('?');
        return char.ToUpperInvariant(trimmed[0]) + trimmed[1..] + "?";
    }

    private static string? MainPhraseOf(string topic)
    {
        var runs = new List<List<string>> { new() };
        foreach (var word in Words(topic))
        {
            if (PhraseBreakers.Contains(word))
            {
                runs.Add([]);
            }
            else
            {
                runs[^1].Add(word);
            }
        }
        // The longest run wins; on a tie the later one, since topics tend to end on their object ("start a podcast").
        var best = runs.Where(r => r.Count > 0).Reverse().OrderByDescending(r => r.Count).FirstOrDefault();
        return best is null ? null : string.Join(' ', best.Take(2));
    }

    private static IEnumerable<string> Words(string text) =>
        Regex.Matches(text, @"[\p{L}\p{N}][\p{L}\p{N}'’-]*").Select(m => m.Value);

    private static string TopicFromTask(string task)
    {
        var flat = task.ReplaceLineEndings(" ").Trim();
        var about = Regex.Match(flat, @"\babout (.{3,60}?)(?:[,.;:]| for )", RegexOptions.IgnoreCase);
        return about.Success ? about.Groups[1].Value.Trim() : "the topic in the brief";
    }

    [GeneratedRegex("podcast|show notes|newsletter", RegexOptions.IgnoreCase)]
    private static partial Regex ShowNotesWords();

    /// <summary>FNV-1a: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
