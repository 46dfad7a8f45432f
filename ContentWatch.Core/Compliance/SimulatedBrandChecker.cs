using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using ContentWatch.Core.Agents;

namespace ContentWatch.Core.Compliance;

/// <summary>
/// The Simulated model's brand check (issue 11): deterministic, and grounded in the guidelines it is given. It checks
/// the draft's own lines (<see cref="DraftLines"/>) for the banned words and phrases those guidelines name, for the
/// elements they require (a hook in the first lines, a call to action) and, only where a guideline gives a limit,
/// for sentence length and the Flesch–Kincaid reading level. Every finding quotes the text verbatim and cites the
/// document that states the rule; with no guideline, there is nothing to find.
/// </summary>
public static partial class SimulatedBrandChecker
{
    /// <summary>Points a finding takes off the score, per severity (the demo reviewer's scoring rules).</summary>
    public static int PenaltyOf(FindingSeverity severity) => severity switch
    {
        FindingSeverity.High => 10,
        FindingSeverity.Medium => 5,
        _ => 2,
    };

    /// <summary>100 less each finding's penalty, never below 0.</summary>
    public static int ScoreOf(IEnumerable<BrandFinding> findings) =>
        Math.Max(0, 100 - findings.Sum(f => PenaltyOf(f.Severity)));

    /// <summary>Checks <paramref name="text"/> against <paramref name="guidelines"/>; passed when the score reaches <paramref name="threshold"/>.</summary>
    public static BrandReview Check(string text, IReadOnlyList<CheckedGuideline> guidelines, int threshold)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(guidelines);
        var lines = DraftLines(text);
        var findings = new List<BrandFinding>();
        if (lines.Count > 0 && guidelines.Count > 0)
        {
            var rules = guidelines.Select(GuidelineRules.Of).ToList();
            AddBannedTerms(findings, lines, text, guidelines);
            AddRequiredElements(findings, lines, rules);
            if (rules.Any(r => r.MaxSentenceWords is not null || r.MaxGrade is not null))
            {
                var sentences = SpokenSentences(lines);
                AddSentenceLength(findings, sentences, rules);
                AddReadingLevel(findings, sentences, rules);
            }
        }
        var score = ScoreOf(findings);
        return new BrandReview { Score = score, Threshold = threshold, Passed = BrandReview.Passes(score, threshold, findings), Findings = findings };
    }

    /// <summary>
    /// The draft as the audience will get it: its trimmed lines up to the production notes or the closing rule,
    /// without blockquotes (the brief, the guidance and revision notes, which may quote a banned term on purpose).
    /// </summary>
    internal static List<string> DraftLines(string output) =>
    [
        .. output.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.Trim())
            .TakeWhile(l => l != "---" && !(l.StartsWith('#') && l.Contains("Production notes", StringComparison.OrdinalIgnoreCase)))
            .Where(l => l.Length > 0 && !l.StartsWith('>')),
    ];

    /// <summary>Lines a presenter reads aloud, without their cues: not headings, cues, list items, tables or quotes.</summary>
    internal static IEnumerable<string> SpokenLines(IEnumerable<string> lines) =>
        lines.Where(IsSpoken).Select(l => Cue().Replace(l, "").Trim()).Where(l => l.Length > 0);

    private static bool IsSpoken(string line) =>
        !line.StartsWith('#') && !line.StartsWith('[') && !line.StartsWith('-') && !line.StartsWith('*')
        && !line.StartsWith('|') && !line.StartsWith('>') && !line.StartsWith('_');

    /// <summary>The spoken sentences, each a verbatim substring of its line (cues cut around, never out of, a sentence).</summary>
    private static List<Sentence> SpokenSentences(List<string> lines)
    {
        var sentences = new List<Sentence>();
        foreach (var line in lines.Where(IsSpoken))
        {
            foreach (var segment in Cue().Split(line))
            {
                foreach (var sentence in SentenceEnd().Split(segment))
                {
                    var trimmed = sentence.Trim();
                    if (trimmed.Any(char.IsLetter))
                    {
                        sentences.Add(Sentence.Of(trimmed));
                    }
                }
            }
        }
        return sentences;
    }

    private static void AddBannedTerms(List<BrandFinding> findings, List<string> lines, string text, IReadOnlyList<CheckedGuideline> guidelines)
    {
        var banned = BannedTerms.OfDocuments(guidelines.Select(g => (g.DocumentId, g.Title, g.Content))).Within(text);
        if (banned.All.Count == 0)
        {
            return;
        }
        foreach (var line in lines)
        {
            foreach (var hit in banned.FindIn(line))
            {
                var term = hit.Term;
                var rule = string.Equals(hit.MatchedText, term.Term, StringComparison.OrdinalIgnoreCase)
                    ? $"Banned term “{hit.MatchedText}”"
                    : $"Banned term “{hit.MatchedText}” (a form of “{term.Term}”)";
                var suggestion = hit.SuggestedLine
                    ?? $"Rephrase without “{hit.MatchedText}”" + (term.Advice is { Length: > 0 } advice ? $" ({advice})." : ".");
                findings.Add(new BrandFinding(FindingSeverity.High, rule, line, suggestion, new FindingSource(term.DocumentId, term.Source, term.Excerpt))
                {
                    Replacement = hit.SuggestedLine,
                });
            }
        }
    }

    private static void AddRequiredElements(List<BrandFinding> findings, List<string> lines, List<GuidelineRules> rules)
    {
        if (rules.FirstOrDefault(r => r.Hook is not null) is { } hookRule && !HasHook(lines))
        {
            var line = lines.FirstOrDefault(l => IsSpoken(l) && SpokenLines([l]).Any()) ?? lines[0];
            var spoken = SpokenLines([line]).FirstOrDefault() ?? line;
            // The spoken line without its cues is verbatim only when the cues sit at its ends; else quote the whole line.
            var quote = line.Contains(spoken, StringComparison.Ordinal) ? spoken : line;
            findings.Add(new BrandFinding(FindingSeverity.Medium, "Structure: no hook in the first lines", quote,
                "Open with the problem or the payoff in the first five seconds, and mark it as the hook.", hookRule.Source(hookRule.Hook!)));
        }
        if (rules.FirstOrDefault(r => r.CallToAction is not null) is { } ctaRule && !HasCallToAction(lines))
        {
            findings.Add(new BrandFinding(FindingSeverity.Medium, "Structure: no call to action", lines[^1],
                "End with one clear ask: subscribe, watch the next video or visit the link.", ctaRule.Source(ctaRule.CallToAction!)));
        }
    }

    private static bool HasHook(List<string> lines) =>
        lines.Take(8).Any(l => l.Contains("hook", StringComparison.OrdinalIgnoreCase) || l.Contains("0:00", StringComparison.Ordinal));

    private static bool HasCallToAction(List<string> lines) =>
        lines.Any(l => CallToActionWords().IsMatch(l))
        || SpokenLines(lines).TakeLast(3).Any(l => AskWords().IsMatch(l));

    private static void AddSentenceLength(List<BrandFinding> findings, List<Sentence> sentences, List<GuidelineRules> rules)
    {
        var limit = rules.Where(r => r.MaxSentenceWords is not null).MinBy(r => r.MaxSentenceWords!.Value.Words);
        if (limit is null)
        {
            return;
        }
        var (max, excerpt) = limit.MaxSentenceWords!.Value;
        foreach (var (sentence, words, _) in sentences)
        {
            if (words > max)
            {
                findings.Add(new BrandFinding(FindingSeverity.Medium, $"Tone: sentence of {words} words ({max} at most)", sentence,
                    "Split it into two sentences at the natural pause.", limit.Source(excerpt)));
            }
        }
    }

    private static void AddReadingLevel(List<BrandFinding> findings, List<Sentence> sentences, List<GuidelineRules> rules)
    {
        var limit = rules.Where(r => r.MaxGrade is not null).MinBy(r => r.MaxGrade!.Value.Grade);
        if (limit is null || sentences.Count == 0)
        {
            return;
        }
        var (max, excerpt) = limit.MaxGrade!.Value;
        var grade = ReadingGrade(sentences.Sum(c => c.Words), sentences.Count, sentences.Sum(c => c.Syllables));
        if (grade <= max)
        {
            return;
        }
        var hardest = sentences.MaxBy(c => ReadingGrade(c.Words, 1, c.Syllables)).Text;
        findings.Add(new BrandFinding(
            grade > max + 2 ? FindingSeverity.Medium : FindingSeverity.Low,
            string.Create(CultureInfo.InvariantCulture, $"Reading level: Flesch–Kincaid grade {grade:0.0} (grade {max:0.#} at most)"),
            hardest,
            "Use shorter sentences and shorter words; this is the hardest sentence.",
            limit.Source(excerpt)));
    }

    /// <summary>Flesch–Kincaid grade level: 0.39 × words per sentence + 11.8 × syllables per word − 15.59.</summary>
    internal static double ReadingGrade(int words, int sentences, int syllables) =>
        words == 0 || sentences == 0 ? 0 : (0.39 * words / sentences) + (11.8 * syllables / words) - 15.59;

    /// <summary>A spoken sentence with its words (runs of non-space holding a letter or digit) and their syllables, counted without allocating.</summary>
    private readonly record struct Sentence(string Text, int Words, int Syllables)
    {
        public static Sentence Of(string text)
        {
            var words = 0;
            var syllables = 0;
            var rest = text.AsSpan();
            while (rest.Length > 0)
            {
                var start = 0;
                while (start < rest.Length && char.IsWhiteSpace(rest[start]))
                {
                    start++;
                }
                var end = start;
                while (end < rest.Length && !char.IsWhiteSpace(rest[end]))
                {
                    end++;
                }
                var word = rest[start..end];
                if (HasLetterOrDigit(word))
                {
                    words++;
                    syllables += SyllableCount.Of(word);
                }
                rest = rest[end..];
            }
            return new Sentence(text, words, syllables);
        }

        private static bool HasLetterOrDigit(ReadOnlySpan<char> word)
        {
            foreach (var c in word)
            {
                if (char.IsLetterOrDigit(c))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>What one guideline asks that the checker can test, read once per document (id, title and content).</summary>
    private sealed record GuidelineRules(
        CheckedGuideline Document,
        (int Words, string Excerpt)? MaxSentenceWords,
        (double Grade, string Excerpt)? MaxGrade,
        string? CallToAction,
        string? Hook)
    {
        private const int MaxCached = 512;
        private static readonly ConcurrentDictionary<CheckedGuideline, GuidelineRules> Cache = new();

        public FindingSource Source(string excerpt) => new(Document.DocumentId, Document.Title, excerpt);

        public static GuidelineRules Of(CheckedGuideline document)
        {
            if (Cache.TryGetValue(document, out var cached))
            {
                return cached;
            }
            if (Cache.Count >= MaxCached)
            {
                Cache.Clear();
            }
            return Cache[document] = Parse(document);
        }

        private static GuidelineRules Parse(CheckedGuideline document)
        {
            (int, string)? sentenceLimit = null;
            (double, string)? gradeLimit = null;
            string? callToAction = null;
            string? hook = null;
            foreach (var raw in document.Content.ReplaceLineEndings("\n").Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0)
                {
                    continue;
                }
                if (SentenceWord().IsMatch(line) && SentenceLimitOf(line) is { } words && (sentenceLimit is null || words < sentenceLimit.Value.Item1))
                {
                    sentenceLimit = (words, line);
                }
                if (line.Contains("grade", StringComparison.OrdinalIgnoreCase) && GradeLimit().Match(line) is { Success: true } grade)
                {
                    var value = double.Parse(grade.Groups["n"].Success ? grade.Groups["n"].Value : grade.Groups["th"].Value, CultureInfo.InvariantCulture);
                    if (gradeLimit is null || value < gradeLimit.Value.Item1)
                    {
                        gradeLimit = (value, line);
                    }
                }
                if (callToAction is null && CallToActionWords().IsMatch(line))
                {
                    callToAction = line;
                }
                if (hook is null && HookWord().IsMatch(line) && HookTiming().IsMatch(line))
                {
                    hook = line;
                }
            }
            return new GuidelineRules(document, sentenceLimit, gradeLimit, callToAction, hook);
        }

        /// <summary>"20 words or fewer", "no more than 20 words", "at most 20 words", "20 at most" → 20; "under 20 words" → 19.</summary>
        private static int? SentenceLimitOf(string line)
        {
            if (SentenceLimitBelow().Match(line) is { Success: true } below)
            {
                return int.Parse(below.Groups["n"].Value, CultureInfo.InvariantCulture) - 1;
            }
            if (SentenceLimitAtMost().Match(line) is { Success: true } atMost)
            {
                return int.Parse(atMost.Groups["n"].Value, CultureInfo.InvariantCulture);
            }
            return null;
        }
    }

    [GeneratedRegex(@"\[(?:B-ROLL|ON-SCREEN|GRAPHIC|CUT|SFX|CHECK CLAIM)[^\]]*\]")]
    internal static partial Regex Cue();

    [GeneratedRegex(@"(?<=[.?!…])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\bsentences?\b", RegexOptions.IgnoreCase)]
    private static partial Regex SentenceWord();

    [GeneratedRegex(@"\b(?:under|fewer than|less than|below|shorter than)\s+(?<n>\d{1,3})\s+words\b", RegexOptions.IgnoreCase)]
    private static partial Regex SentenceLimitBelow();

    [GeneratedRegex(@"\b(?:(?:no more than|not more than|at most|up to|a maximum of|maximum of|max\.?)\s+(?<n>\d{1,3})\s+words\b|(?<n>\d{1,3})\s+(?:words\s+)?(?:or fewer|or less|at most|at the most|maximum|max)\b)", RegexOptions.IgnoreCase)]
    private static partial Regex SentenceLimitAtMost();

    [GeneratedRegex(@"\bgrade(?:\s+level)?(?:\s+of)?\s+(?<n>\d{1,2}(?:\.\d)?)\b|\b(?<th>\d{1,2})(?:st|nd|rd|th)[-\s]grade\b", RegexOptions.IgnoreCase)]
    private static partial Regex GradeLimit();

    [GeneratedRegex(@"\bcall[-\s]to[-\s]action\b", RegexOptions.IgnoreCase)]
    private static partial Regex CallToActionWords();

    [GeneratedRegex(@"\bhooks?\b", RegexOptions.IgnoreCase)]
    private static partial Regex HookWord();

    // A line that asks for a hook says when it lands ("in the first 5 seconds", "Hook (0:00–0:05)"); "phrases to
    // avoid in hooks" does not.
    [GeneratedRegex(@"\b(?:first|seconds?|0:00|opens?|opening|starts?|lands?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex HookTiming();

    [GeneratedRegex(@"\b(?:subscribe|follow|watch the next|link in the description|in the comments|join|sign up|reply|visit|download)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AskWords();
}

/// <summary>
/// Syllables of an English word, by a documented heuristic (no dictionary): count the groups of vowels (a, e, i,
/// o, u, y), then take one off for a silent final "e" ("make", but not "table" or "free"), for "-es"/"-ed" endings
/// that add no syllable ("makes", "liked", but not "boxes" or "wanted"); every word has at least one. Good to about
/// ±10 % on ordinary prose, which is all a reading-level estimate needs.
/// </summary>
internal static class SyllableCount
{
    public static int Of(ReadOnlySpan<char> word)
    {
        Span<char> letters = stackalloc char[Math.Min(word.Length, 64)];
        var length = 0;
        foreach (var c in word)
        {
            if (char.IsLetter(c) && length < letters.Length)
            {
                letters[length++] = char.ToLowerInvariant(c);
            }
        }
        if (length == 0)
        {
            // A number read aloud: one syllable per digit is close enough ("20" → "twen-ty").
            var digits = 0;
            foreach (var c in word)
            {
                digits += char.IsDigit(c) ? 1 : 0;
            }
            return Math.Max(1, digits);
        }
        var w = letters[..length];
        var groups = 0;
        var previousVowel = false;
        foreach (var c in w)
        {
            var vowel = IsVowel(c);
            if (vowel && !previousVowel)
            {
                groups++;
            }
            previousVowel = vowel;
        }
        if (length > 2 && groups > 1)
        {
            if (w[^1] == 'e' && !IsVowel(w[^2]) && !(w[^2] == 'l' && !IsVowel(w[^3])))
            {
                groups--;
            }
            else if (w[^1] is 's' or 'd' && w[^2] == 'e' && length > 3 && !IsVowel(w[^3])
                && !(w[^1] == 'd' && w[^3] is 't' or 'd') && !(w[^1] == 's' && w[^3] is 's' or 'x' or 'z' or 'c' or 'g' or 'h'))
            {
                groups--;
            }
        }
        return Math.Max(1, groups);
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';
}
