using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ContentWatch.Core.Compliance;

namespace ContentWatch.Core.Agents;

internal static partial class SimulatedWriter
{
    /// <summary>The score the Simulated reviewer's PASS needs (the demo reviewer's rules: fail below 80).</summary>
    private const int PassScore = 80;

    private sealed record ReviewIssue(string Line, string Rule, string Fix);

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

        var lines = SimulatedBrandChecker.DraftLines(draft.Output);
        // The markdown agrees with the structured review: its issues and score are the checker's. Guidelines in a
        // prompt carry no document id; 0 is enough for the markdown.
        var guidelines = brief.Prompt.Guidelines.Select(g => new CheckedGuideline(0, g.Title, g.Content)).ToList();
        var review = SimulatedBrandChecker.Check(draft.Output, guidelines, PassScore);
        var cited = BannedTerms.OfDocuments(guidelines.Select(g => (g.DocumentId, g.Title, g.Content)));
        var bannedCount = review.HighCount;
        var issues = review.Findings.Select(f => new ReviewIssue(
            f.Quote,
            $"{f.Rule} (“{f.Source.Title}”)",
            f.Replacement is { } replacement ? $"“{replacement}”" : f.Suggestion)).ToList();
        var isVideo = lines.Any(l => l.Contains("[B-ROLL", StringComparison.OrdinalIgnoreCase) || l.Contains("Hook", StringComparison.Ordinal));
        var hookLine = HookLine(lines);
        var hookInTime = lines.Any(l => l.StartsWith('#') && l.Contains("Hook", StringComparison.OrdinalIgnoreCase) && l.Contains("0:00", StringComparison.Ordinal));
        var hookApproved = hookInTime && hookLine is not null
            && !review.Findings.Any(f => f.Quote.Contains(hookLine, StringComparison.Ordinal) || hookLine.Contains(f.Quote, StringComparison.Ordinal));
        var timestamps = lines.Count(l => Timestamp().IsMatch(l));
        var bRoll = lines.Count(l => l.Contains("[B-ROLL", StringComparison.OrdinalIgnoreCase));
        var openClaims = lines.Where(l => l.Contains("[CHECK CLAIM", StringComparison.OrdinalIgnoreCase) || l.Contains("[SOURCE?]", StringComparison.Ordinal)).ToList();

        var score = review.Score;
        text.AppendLine("## Verdict");
        text.AppendLine(Verdict(brief, score, bannedCount));
        text.AppendLine();
        text.AppendLine(
            $"Audited *{draft.StepName}*: {lines.Count} lines against "
            + (cited.All.Count > 0
                ? $"{cited.All.Count} banned terms from {string.Join(", ", cited.All.Select(t => t.Source).Distinct().Select(s => $"“{s}”"))}"
                : "no banned terms (no banned-words guideline came with this step)")
            + ", plus the tone and structure rules the guidelines state.");
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
                text.AppendLine(CultureInfo.InvariantCulture, $"| {EscapeCell($"“{issue.Line}”")} | {EscapeCell(issue.Rule)} | {EscapeCell(issue.Fix)} |");
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
        if (hookApproved)
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
        var spoken = SimulatedBrandChecker.SpokenLines(lines).ToList();
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
            text.AppendLine(hookApproved
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

    private static string? HookLine(List<string> lines)
    {
        var hook = lines.FindIndex(l => l.StartsWith('#') && l.Contains("Hook", StringComparison.OrdinalIgnoreCase));
        return hook < 0 ? null : SimulatedBrandChecker.SpokenLines(lines.Skip(hook + 1).TakeWhile(l => !l.StartsWith('#'))).FirstOrDefault();
    }
}
