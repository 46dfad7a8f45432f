using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

internal static partial class SimulatedWriter
{
    private const int MaxTitleLength = 60;
    private const int MaxSnippetLength = 150;

    private static string WriteSeo(SimulatedBrief brief)
    {
        var script = Earlier(brief, "script_generation");
        var searchTerms = SearchTermsFor(brief);
        var analytics = brief.Prompt.Guidelines.Where(g => g.Category == "Analytics").ToList();
        var topicTitle = brief.TopicTitle;
        var audienceShort = brief.Audience.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= 3
            ? SimulatedBrief.TitleCase(brief.Audience)
            : "Beginners";

        var text = new StringBuilder();
        text.AppendLine("# SEO package");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, _ => "reflected in the titles and description below");

        text.AppendLine("## Title options");
        // The search phrase leads every title; a qualifier follows when it fits, else the topic is shortened for it.
        var qualifier = brief.Topic.Contains("beginner", StringComparison.OrdinalIgnoreCase) ? " (Step-by-Step Guide)" : " (Beginner Guide)";
        string[][] suffixes =
        [
            [": What to Know Before You Start", ": Start Here"],
            [qualifier, " (Guide)"],
            [": 3 Things That Matter", $" for {audienceShort}", ", Explained"],
        ];
        var number = 1;
        foreach (var options in suffixes)
        {
            var title = options.Select(s => SimulatedBrief.WithSuffix(topicTitle, s)).FirstOrDefault(t => t.Length <= MaxTitleLength)
                ?? Shorten(topicTitle, MaxTitleLength - options[^1].Length) + options[^1];
            text.AppendLine(CultureInfo.InvariantCulture, $"{number++}. {title} ({title.Length})");
        }
        text.AppendLine();

        text.AppendLine("## Description");
        var snippet = Shorten(brief.IsQuestion
            ? $"{brief.TopicQuestion} The honest answer for {brief.AudienceInline}: three decisions that matter and the one mistake to skip."
            : $"{Capitalize(brief.TopicInline)}, explained for {brief.AudienceInline}: three decisions that matter and the one mistake to skip.",
            MaxSnippetLength);
        text.AppendLine(snippet);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"This video walks through {brief.TopicInline} step by step, starting with what you already have. You'll see the mistake that costs people the most time and how to spot it early. By the end you'll have one change to try this week and a simple way to check it worked.");
        text.AppendLine();
        text.AppendLine("[Link: related video 1] · [Link: related video 2] · [Link: checklist]");
        text.AppendLine();

        text.AppendLine("## Chapters");
        var chapters = script is null ? [] : ChaptersFrom(script.Output);
        if (chapters.Count < 3)
        {
            chapters = brief.IsShortForm
                ? [("0:00", "The hook"), ("0:02", "The problem"), ("0:15", "The one tip"), ("0:40", "The payoff")]
                : [("0:00", "Introduction"), ("0:30", "Start with the basics"), ("2:30", "The common mistake"), ("5:00", "Putting it into practice"), ("7:30", "Recap")];
            text.AppendLine(script is null
                ? "*No script came with this step; align these chapters with the final edit.*"
                : "*The script had fewer than three timestamps; align these chapters with the final edit.*");
        }
        foreach (var (time, label) in chapters)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{time} {label}");
        }
        text.AppendLine();

        text.AppendLine("## Tags");
        var tags = new List<string>();
        tags.AddRange(searchTerms);
        tags.Add(brief.Topic.ToLowerInvariant());
        var phrase = brief.MainPhrase.ToLowerInvariant();
        tags.AddRange([phrase, $"{phrase} tips", $"{phrase} guide", $"{phrase} mistakes", $"{phrase} for beginners"]);
        tags.Add(brief.IsShortForm ? "shorts" : "tutorial");
        tags.AddRange(brief.Keywords.Select(k => k.ToLowerInvariant()));
        tags.AddRange(["how to", "explainer", "step by step"]);
        text.AppendLine(string.Join(", ", tags.Where(t => t.Length > 1).Distinct(StringComparer.OrdinalIgnoreCase).Take(15)));
        text.AppendLine();

        text.AppendLine("## Hashtags");
        var words = brief.MainPhrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => Capitalize(Regex.Replace(w, @"[^\p{L}\p{N}]", ""))).ToList();
        var first = brief.Keywords.Count > 0 ? Capitalize(Regex.Replace(brief.Keywords[^1], @"[^\p{L}\p{N}]", "")) : "Tips";
        text.AppendLine(string.Join(' ', new[] { "#" + string.Concat(words), "#" + first, brief.IsShortForm ? "#Shorts" : "#HowTo" }.Distinct(StringComparer.OrdinalIgnoreCase)
            .Concat(["#Explained"]).Take(3)));
        text.AppendLine();

        text.AppendLine("## Keyword rationale");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **“{brief.MainPhrase.ToLowerInvariant()}”** leads every title, inside the first 40 characters, because searchers scan the start of a title.");
        if (searchTerms.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- From {string.Join(", ", analytics.Select(a => $"“{a.Title}”"))}: {string.Join(", ", searchTerms.Take(4).Select(t => $"“{t}”"))} already bring viewers to the channel, so they lead the tags.");
        }
        else if (analytics.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {string.Join(", ", analytics.Select(a => $"“{a.Title}”"))} list no search term close to this topic, so the tags start from the topic's own words.");
        }
        else
        {
            text.AppendLine("- No analytics guideline came with this step, so the tags start from the topic's own words; check them against Search Console after a week.");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"- Intent: {brief.AudienceInline} searching to learn, not to buy, so titles promise an explanation rather than a verdict.");
        text.AppendLine("- Chapters follow the script's timestamps, which makes the video eligible for key moments in search.");
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    /// <summary>Chapters from the script's timestamped headings, starting at 0:00 with the hook.</summary>
    private static List<(string Time, string Label)> ChaptersFrom(string script)
    {
        var chapters = new List<(string Time, string Label)>();
        foreach (var raw in script.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            var section = SectionTimestamp().Match(line);
            if (section.Success)
            {
                chapters.Add((section.Groups["start"].Value, ChapterLabel(section.Groups["label"].Value)));
            }
            else if (line.StartsWith('#') && line.Contains("Hook", StringComparison.OrdinalIgnoreCase) && line.Contains("0:00", StringComparison.Ordinal))
            {
                chapters.Add(("0:00", "The hook"));
            }
        }
        chapters = [.. chapters.DistinctBy(c => c.Time)];
        if (chapters.Count > 0 && chapters[0].Time != "0:00")
        {
            chapters.Insert(0, ("0:00", "Introduction"));
        }
        return chapters;
    }

    /// <summary>Chapter labels have two to five words.</summary>
    private static string ChapterLabel(string label)
    {
        var words = label.Trim().Trim('*').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length switch
        {
            0 => "Section",
            1 => $"The {words[0].ToLowerInvariant()}",
            <= 5 => string.Join(' ', words),
            _ => string.Join(' ', words.Take(5)),
        };
    }

    /// <summary>Search terms from the analytics guidelines that share a word with the topic.</summary>
    private static List<string> SearchTermsFor(SimulatedBrief brief)
    {
        var topicWords = brief.Keywords.Select(k => k.ToLowerInvariant()).Where(k => k.Length > 3).ToHashSet();
        var candidates = new List<string>();
        foreach (var guideline in brief.Prompt.Guidelines.Where(g => g.Category == "Analytics"))
        {
            foreach (var raw in guideline.Content.ReplaceLineEndings("\n").Split('\n'))
            {
                var line = raw.Trim();
                var numbered = Regex.Match(line, @"^\d+\.\s+([a-z0-9][a-z0-9 '\-]{2,50})$");
                if (numbered.Success)
                {
                    candidates.Add(numbered.Groups[1].Value.Trim());
                    continue;
                }
                var cluster = Regex.Match(line, @"^-\s+\*\*[^*]+:\*\*\s+(.+)$");
                if (cluster.Success)
                {
                    candidates.AddRange(cluster.Groups[1].Value.TrimEnd('.').Split(',').Select(t => t.Trim())
                        .Where(t => t.Length > 2 && t.Length <= 50 && !t.Contains('"', StringComparison.Ordinal)));
                }
            }
        }
        return [.. candidates
            .Where(c => c.Split(' ').Any(w => topicWords.Contains(w.ToLowerInvariant()) || topicWords.Any(t => w.Length > 3 && t.StartsWith(w.ToLowerInvariant(), StringComparison.Ordinal))))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(6)];
    }

    [GeneratedRegex(@"^\*\*(?<start>\d{1,2}:\d{2})\s*[–-]\s*\d{1,2}:\d{2}\s*[—–-]+\s*(?<label>[^*]+)\*\*$")]
    private static partial Regex SectionTimestamp();
}
