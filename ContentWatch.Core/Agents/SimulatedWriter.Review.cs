using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

internal static partial class SimulatedWriter
{
    private const int MaxSpokenSentenceWords = 20;

    private sealed record ReviewIssue(string Line, string Rule, string Fix, int Penalty);

    /// <summary>Audits the actual draft from the earlier steps: every banned term is quoted in its line.</summary>
    private static string WriteReview(SimulatedBrief brief)
    {
        var draft = Earlier(brief, "script_generation") ?? (brief.Prompt.EarlierSteps.Count > 0 ? brief.Prompt.EarlierSteps[^1] : null);
        var banned = BannedTerms.From(brief.Prompt.Guidelines);
        var text = new StringBuilder();
        text.AppendLine("# Brand voice audit");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, _ => "taken into account in the verdict and the suggested rewrites");

        if (draft is null)
        {
            text.AppendLine("## Verdict");
            text.AppendLine("**ON HOLD** — no draft came with this step (there is no earlier step output to audit).");
            text.AppendLine();
            text.AppendLine("## What the draft will be checked against");
            text.AppendLine(CultureInfo.InvariantCulture, $"- Banned words: {string.Join(", ", banned.All.Take(12).Select(t => $"“{t.Term}”"))}.");
            text.AppendLine("- Tone: plain English, second person, spoken sentences of 20 words or fewer.");
            text.AppendLine("- Claims: every product fact must appear in the reference documents.");
            text.AppendLine("- Structure: a hook in the first five seconds, timestamps, B-roll cues, one call to action.");
            AppendGuidelinesUsed(text, brief);
            return text.ToString();
        }

        var lines = DraftLines(draft.Output);
        var issues = new List<ReviewIssue>();
        var bannedCount = 0;
        var isVideo = lines.Any(l => l.Contains("[B-ROLL", StringComparison.OrdinalIgnoreCase) || l.Contains("Hook", StringComparison.Ordinal));
        foreach (var line in lines.Where(l => !l.StartsWith('#')))
        {
            foreach (var hit in banned.FindIn(line))
            {
                bannedCount++;
                var source = hit.Term.Source == BannedTerms.BuiltInSource ? "house list" : $"“{hit.Term.Source}”";
                var fix = hit.SuggestedLine is { } suggested
                    ? $"“{suggested}”"
                    : $"Rephrase without “{hit.MatchedText}”" + (hit.Term.Advice is { } advice ? $" ({advice})" : "");
                issues.Add(new ReviewIssue(line, $"Banned term “{hit.MatchedText}” ({source})", fix, 10));
            }
        }
        // Sentence length is a rule for lines read aloud; written show notes follow their own paragraph rules.
        foreach (var line in isVideo ? SpokenLines(lines) : [])
        {
            foreach (var sentence in Regex.Split(line, @"(?<=[.?!])\s+"))
            {
                var words = WordCount(sentence);
                if (words > MaxSpokenSentenceWords)
                {
                    issues.Add(new ReviewIssue(line, $"Tone: spoken sentence of {words} words (20 at most)", "Split it into two sentences at the natural pause.", 5));
                }
            }
        }

        var hookLine = HookLine(lines);
        var hookInTime = lines.Any(l => l.StartsWith('#') && l.Contains("Hook", StringComparison.OrdinalIgnoreCase) && l.Contains("0:00", StringComparison.Ordinal));
        var timestamps = lines.Count(l => Timestamp().IsMatch(l));
        var bRoll = lines.Count(l => l.Contains("[B-ROLL", StringComparison.OrdinalIgnoreCase));
        var hasCallToAction = lines.Any(l => l.StartsWith('#') && l.Contains("call to action", StringComparison.OrdinalIgnoreCase));
        if (isVideo)
        {
            if (!hookInTime)
            {
                issues.Add(new ReviewIssue("(opening)", "Structure: no hook marked within the first 5 seconds", "Open with the problem or the payoff, timed 0:00–0:05.", 5));
            }
            if (timestamps < 2)
            {
                issues.Add(new ReviewIssue("(whole draft)", "Structure: sections are not timestamped", "Add a timestamp heading to every section.", 5));
            }
            if (bRoll == 0)
            {
                issues.Add(new ReviewIssue("(whole draft)", "Structure: no [B-ROLL] cues", "Add a [B-ROLL: …] cue at least every 20 seconds.", 5));
            }
            if (!hasCallToAction)
            {
                issues.Add(new ReviewIssue("(ending)", "Structure: no call to action", "End with one clear ask.", 5));
            }
        }
        var openClaims = lines.Where(l => l.Contains("[CHECK CLAIM", StringComparison.OrdinalIgnoreCase) || l.Contains("[SOURCE?]", StringComparison.Ordinal)).ToList();

        var score = Math.Max(0, 100 - issues.Sum(i => i.Penalty));
        text.AppendLine("## Verdict");
        text.AppendLine(Verdict(brief, score, bannedCount));
        text.AppendLine();
        text.AppendLine(
            $"Audited *{draft.StepName}*: {lines.Count} lines against {banned.All.Count} banned terms from "
            + (banned.FromGuidelines
                ? string.Join(", ", banned.All.Select(t => t.Source).Distinct().Select(s => $"“{s}”"))
                : "the house list (no banned-words guideline came with this step)")
            + ", plus tone and structure checks.");
        text.AppendLine();

        text.AppendLine("## Issues");
        if (issues.Count == 0)
        {
            text.AppendLine("No issues found.");
        }
        else
        {
            text.AppendLine("| Line (quoted exactly) | Rule broken | Suggested rewrite |");
            text.AppendLine("|---|---|---|");
            foreach (var issue in issues)
            {
                var quoted = issue.Line.StartsWith('(') ? issue.Line : $"“{issue.Line}”";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {EscapeCell(quoted)} | {EscapeCell(issue.Rule)} | {EscapeCell(issue.Fix)} |");
            }
        }
        text.AppendLine();

        if (openClaims.Count > 0)
        {
            text.AppendLine(isVideo ? "## To confirm before recording" : "## To confirm before publishing");
            foreach (var claim in openClaims)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- “{claim}” — confirm with the account manager or cut the figure.");
            }
            text.AppendLine();
        }

        text.AppendLine("## What works");
        var strengths = new List<string>();
        if (hookInTime && hookLine is not null && banned.FindIn(hookLine).Count == 0)
        {
            strengths.Add($"The hook lands in the first seconds and names the viewer's problem: “{hookLine}”");
        }
        if (timestamps >= 2 && bRoll > 0)
        {
            strengths.Add($"Clear structure: {timestamps} timestamped beats and {bRoll} B-roll cues give the editor a plan.");
        }
        if (openClaims.Count > 0)
        {
            strengths.Add("Open facts are flagged for checking instead of stated as true.");
        }
        var spoken = SpokenLines(lines).ToList();
        if (spoken.Count > 0)
        {
            var sentences = spoken.SelectMany(l => Regex.Split(l, @"(?<=[.?!])\s+")).Where(s => s.Length > 0).ToList();
            strengths.Add($"Short spoken lines: {(double)sentences.Sum(WordCount) / sentences.Count:0.#} words per sentence on average, in the second person.");
        }
        foreach (var strength in strengths.Take(3))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {strength}");
        }
        text.AppendLine();

        if (isVideo)
        {
            text.AppendLine("## Revised hook");
            text.AppendLine(hookInTime && hookLine is not null && banned.FindIn(hookLine).Count == 0
                ? "Hook approved."
                : $"“{Capitalize(brief.TopicInline)}: here's the part most people get wrong, and the fix takes one minute.”");
        }
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    private static string Verdict(SimulatedBrief brief, int score, int bannedCount)
    {
        // Some teams grade PUBLISH / PUBLISH WITH EDITS / REWRITE; the step's task says which scale to use.
        if (brief.Prompt.Task.Contains("PUBLISH", StringComparison.Ordinal))
        {
            var grade = score < 70 ? "REWRITE" : score < 90 || bannedCount > 0 ? "PUBLISH WITH EDITS" : "PUBLISH";
            return $"**{grade}** — Score: {score}/100";
        }
        var pass = bannedCount == 0 && score >= 80;
        var reason = bannedCount > 0
            ? $" — {bannedCount} banned term{(bannedCount == 1 ? "" : "s")}; the brand rules fail any script that uses one. Fix the lines below and resubmit."
            : pass ? " — ready for the presenter once the open claims are confirmed." : " — too many tone and structure issues; revise and resubmit.";
        return $"**{(pass ? "PASS" : "FAIL")}** — Score: {score}/100{reason}";
    }

    /// <summary>
    /// The draft as the audience will get it: its lines up to the production notes or the closing rule, without
    /// the brief and guidance quotes (notes to the team, not copy).
    /// </summary>
    private static List<string> DraftLines(string output) =>
    [
        .. output.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.Trim())
            .TakeWhile(l => l != "---" && !(l.StartsWith('#') && l.Contains("Production notes", StringComparison.OrdinalIgnoreCase)))
            .Where(l => l.Length > 0 && !l.StartsWith('>')),
    ];

    /// <summary>Lines a presenter reads aloud: not headings, cues, list items, tables or quotes.</summary>
    private static IEnumerable<string> SpokenLines(IEnumerable<string> lines) =>
        lines.Where(l => !l.StartsWith('#') && !l.StartsWith('[') && !l.StartsWith('-') && !l.StartsWith('*')
                && !l.StartsWith('|') && !l.StartsWith('>') && !l.StartsWith('_'))
            .Select(l => Cue().Replace(l, "").Trim())
            .Where(l => l.Length > 0);

    private static string? HookLine(List<string> lines)
    {
        var hook = lines.FindIndex(l => l.StartsWith('#') && l.Contains("Hook", StringComparison.OrdinalIgnoreCase));
        return hook < 0 ? null : SpokenLines(lines.Skip(hook + 1).TakeWhile(l => !l.StartsWith('#'))).FirstOrDefault();
    }
}
