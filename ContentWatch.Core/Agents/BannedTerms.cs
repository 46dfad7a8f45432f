using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

/// <summary>
/// A word or phrase the brand guidelines ban. <see cref="Replacement"/> is a drop-in alternative when the
/// guideline gives one ("leverage" → "use"); <see cref="Advice"/> is what the guideline says to do otherwise.
/// <see cref="Source"/> is the title of the document that bans it, <see cref="DocumentId"/> its id (0 when the
/// document came without one, as in a prompt) and <see cref="Excerpt"/> the table row or list line that names it,
/// verbatim from the document ("" for the built-in list).
/// </summary>
internal sealed record BannedTerm(string Term, string? Replacement, string? Advice, string Source)
{
    public int DocumentId { get; init; }
    public string Excerpt { get; init; } = "";
}

/// <summary>One banned term found in one line of a draft; <see cref="SuggestedLine"/> is null when the fix needs a rewrite.</summary>
internal sealed record BannedTermHit(BannedTerm Term, string Line, string MatchedText, string? SuggestedLine)
{
    /// <summary>Where <see cref="MatchedText"/> starts in <see cref="Line"/>.</summary>
    public int Index { get; init; }
}

/// <summary>
/// The banned words of the guidelines a step received, read from the documents themselves: the first column of a
/// "Banned | Use instead" table, and quoted terms in a document whose title mentions banned words or in a section
/// headed "Banned …" or "… to avoid". A small built-in list stands in when no guideline names any.
/// </summary>
internal sealed partial class BannedTerms
{
    public const string BuiltInSource = "built-in list";

    // Parsing a guideline builds one Regex per term, which costs far more than matching; the checker sees the same
    // few documents on every call, so each document's terms are kept, keyed by its id, title and content.
    private const int MaxCachedDocuments = 512;
    private static readonly ConcurrentDictionary<(int DocumentId, string Title, string Content), BannedTerms> ByDocument = new();

    // A term's pattern is built the first time a text could contain it (see Within), not when its document is read.
    private readonly List<(BannedTerm Term, Lazy<Regex> Pattern, string Key)> _terms;

    private BannedTerms(IEnumerable<BannedTerm> terms, bool fromGuidelines)
        : this(terms.Select(Entry), fromGuidelines)
    {
    }

    private BannedTerms(IEnumerable<(BannedTerm Term, Lazy<Regex> Pattern, string Key)> terms, bool fromGuidelines)
    {
        _terms = [.. terms.DistinctBy(t => t.Term.Term.ToLowerInvariant())];
        FromGuidelines = fromGuidelines;
    }

    public IReadOnlyList<BannedTerm> All => [.. _terms.Select(t => t.Term)];

    /// <summary>True when the terms come from the guidelines, false when the built-in list stands in.</summary>
    public bool FromGuidelines { get; }

    public static BannedTerms BuiltIn { get; } = new(
    (BannedTerm[])
    [
        new("game-changer", "the biggest upgrade", null, BuiltInSource),
        new("revolutionary", "new", null, BuiltInSource),
        new("leverage", "use", null, BuiltInSource),
        new("unlock", "get", null, BuiltInSource),
        new("seamless", "smooth", null, BuiltInSource),
        new("cutting-edge", "latest", null, BuiltInSource),
        new("literally", "", "delete it", BuiltInSource),
        new("synergy", null, "say what works well together", BuiltInSource),
    ], fromGuidelines: false);

    /// <summary>The terms named by <paramref name="guidelines"/>, or <see cref="BuiltIn"/> when they name none.</summary>
    public static BannedTerms From(IEnumerable<PromptGuideline> guidelines)
    {
        var found = OfDocuments(guidelines.Select(g => (0, g.Title, g.Content)));
        return found.All.Count > 0 ? found : BuiltIn;
    }

    /// <summary>
    /// The terms named by the given documents, each knowing the document that bans it; empty (never the built-in
    /// list) when they name none, so that every term can be cited.
    /// </summary>
    public static BannedTerms OfDocuments(IEnumerable<(int DocumentId, string Title, string Content)> documents) =>
        new([.. documents.Select(Of).SelectMany(d => d._terms)], fromGuidelines: true);

    /// <summary>The terms one document names (cached: the same document is parsed once).</summary>
    private static BannedTerms Of((int DocumentId, string Title, string Content) document)
    {
        if (ByDocument.TryGetValue(document, out var cached))
        {
            return cached;
        }
        if (ByDocument.Count >= MaxCachedDocuments)
        {
            ByDocument.Clear();
        }
        var terms = Parse(document.DocumentId, document.Title, document.Content).Select(Entry).ToList();
        // "Variants count too: "unlocks", "leveraging"" names forms of terms the table bans: the table row, with its
        // alternative, is what to cite.
        terms.RemoveAll(t => terms.Any(other => IsFormOf(t.Term.Term, other)));
        return ByDocument[document] = new BannedTerms(terms, fromGuidelines: true);
    }

    private static bool IsFormOf(string term, (BannedTerm Term, Lazy<Regex> Pattern, string Key) other) =>
        term.StartsWith(other.Key, StringComparison.OrdinalIgnoreCase)
        && !string.Equals(term, other.Term.Term, StringComparison.OrdinalIgnoreCase)
        && other.Pattern.Value.Match(term) is { Success: true } match && match.Length == term.Length;

    /// <summary>
    /// Only the terms that can occur in <paramref name="text"/>: those whose first word (its stem, for a single
    /// word) appears in it. A cheap ordinal search that spares running every term's pattern on every line.
    /// </summary>
    public BannedTerms Within(string text)
    {
        var lower = text.ToLowerInvariant();
        return new BannedTerms(_terms.Where(t => lower.Contains(t.Key, StringComparison.Ordinal)), FromGuidelines);
    }

    /// <summary>The terms that <paramref name="text"/> names (an editor's feedback, say), in any of their forms.</summary>
    public BannedTerms NamedIn(string text) =>
        new(_terms.Where(t => text.Contains(t.Key, StringComparison.OrdinalIgnoreCase) && t.Pattern.Value.IsMatch(text)), FromGuidelines);

    private static (BannedTerm Term, Lazy<Regex> Pattern, string Key) Entry(BannedTerm term) =>
        (term, new Lazy<Regex>(() => TermPattern(term.Term)), KeyOf(term.Term));

    /// <summary>
    /// <paramref name="line"/> without any of these terms: each swapped for its drop-in alternative, or deleted when
    /// the guideline gives none (what a writer does with a term an editor struck out).
    /// </summary>
    public string Without(string line)
    {
        for (var round = 0; round < 8; round++)
        {
            var hits = FindIn(line);
            if (hits.Count == 0)
            {
                break;
            }
            var hit = hits[0];
            line = hit.SuggestedLine ?? Rewrite(line, hit.Index, hit.MatchedText.Length, hit.Term with { Replacement = "" }) ?? line;
        }
        return line;
    }

    /// <summary>Every banned term in <paramref name="line"/>, left to right, overlapping matches counted once.</summary>
    public IReadOnlyList<BannedTermHit> FindIn(string line)
    {
        var hits = new List<(int Index, int Length, BannedTerm Term, string Text)>();
        foreach (var (term, pattern, key) in _terms)
        {
            if (!line.Contains(key, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (Match match in pattern.Value.Matches(line))
            {
                if (!hits.Any(h => match.Index < h.Index + h.Length && h.Index < match.Index + match.Length))
                {
                    hits.Add((match.Index, match.Length, term, match.Value));
                }
            }
        }
        return [.. hits.OrderBy(h => h.Index).Select(h => new BannedTermHit(h.Term, line, h.Text, Rewrite(line, h.Index, h.Length, h.Term)) { Index = h.Index })];
    }

    /// <summary>True when <paramref name="text"/> contains <paramref name="term"/> the way <see cref="FindIn"/> would find it.</summary>
    public static bool Mentions(string text, string term) => TermPattern(term).IsMatch(text);

    private static string? Rewrite(string line, int index, int length, BannedTerm term)
    {
        if (term.Replacement is null)
        {
            return null;
        }
        var before = line[..index];
        var after = line[(index + length)..];
        var replacement = term.Replacement;
        if (replacement.Length == 0)
        {
            // "literally" → delete it: drop the word and one of the spaces around it.
            return (before.TrimEnd() + (after.StartsWith(' ') ? after : " " + after)).Trim();
        }
        if (replacement.StartsWith("the ", StringComparison.Ordinal) && ArticleAtEnd().Match(before) is { Success: true } article)
        {
            before = before[..article.Index] + (article.Value.StartsWith(' ') ? " " : "");
        }
        // "unlocks" → "gets", "game-changers" → "the biggest upgrades": a plain -s form keeps its -s.
        var matched = line.Substring(index, length);
        if (matched.EndsWith('s') && !term.Term.EndsWith('s') && !replacement.EndsWith('s')
            && (!replacement.Contains(' ', StringComparison.Ordinal) || replacement.StartsWith("the ", StringComparison.Ordinal)))
        {
            replacement += "s";
        }
        if (char.IsUpper(line[index]))
        {
            replacement = char.ToUpperInvariant(replacement[0]) + replacement[1..];
        }
        return before + replacement + after;
    }

    private static IEnumerable<BannedTerm> Parse(int documentId, string title, string content)
    {
        var bannedDocument = title.Contains("banned", StringComparison.OrdinalIgnoreCase);
        var bannedSection = false;
        var bannedTable = false;
        foreach (var raw in content.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            var source = new Origin(title, documentId, line);
            if (line.StartsWith('#'))
            {
                bannedSection = IsBannedHeading(line);
                continue;
            }
            if (line.StartsWith('|'))
            {
                var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                if (cells.All(c => c.Length == 0 || c.All(ch => ch is '-' or ':' or ' ')))
                {
                    continue;
                }
                if (IsBannedHeading(cells[0]) && cells[0].Split(' ').Length <= 3)
                {
                    bannedTable = true;
                    continue;
                }
                if (bannedTable)
                {
                    var useInstead = cells.Length > 1 ? cells[1] : null;
                    foreach (var term in SplitTerms(cells[0]))
                    {
                        yield return ToTerm(term, useInstead, source);
                    }
                }
                continue;
            }
            bannedTable = false;
            if (!bannedDocument && !bannedSection)
            {
                continue;
            }
            // In a list item, what follows the dash is the advice, not more banned terms.
            var dash = line.IndexOf(" — ", StringComparison.Ordinal);
            var terms = dash > 0 ? line[..dash] : line;
            var advice = dash > 0 ? line[(dash + 3)..].Trim().TrimEnd('.') : null;
            foreach (Match quoted in QuotedText().Matches(terms))
            {
                var term = Clean(quoted.Groups[1].Value);
                if (IsUsable(term))
                {
                    yield return new BannedTerm(term, null, advice, source.Title) { DocumentId = documentId, Excerpt = line };
                }
            }
        }
    }

    private static bool IsBannedHeading(string text) =>
        text.Contains("banned", StringComparison.OrdinalIgnoreCase)
        || text.Contains("avoid", StringComparison.OrdinalIgnoreCase);

    private sealed record Origin(string Title, int DocumentId, string Line);

    private static BannedTerm ToTerm(string term, string? useInstead, Origin origin)
    {
        var named = new BannedTerm(term, null, null, origin.Title) { DocumentId = origin.DocumentId, Excerpt = origin.Line };
        if (string.IsNullOrWhiteSpace(useInstead))
        {
            return named;
        }
        if (useInstead.StartsWith("delete", StringComparison.OrdinalIgnoreCase))
        {
            return named with { Replacement = "", Advice = useInstead.TrimEnd('.') };
        }
        // The first quoted alternative that can stand in the sentence as it is ("use", "the biggest upgrade");
        // alternatives with an ellipsis ("worth buying if…") need a rewrite, so they become advice.
        var dropIn = QuotedText().Matches(useInstead)
            .Select(m => m.Groups[1].Value.Trim())
            .FirstOrDefault(a => a.Length > 0 && !a.Contains('…', StringComparison.Ordinal) && !a.Contains("...", StringComparison.Ordinal));
        return named with { Replacement = dropIn, Advice = useInstead.Replace("\"", "", StringComparison.Ordinal) };
    }

    /// <summary>What <see cref="Within"/> looks for: the term's first word, lower case, without a final "e" when it is the only word (variants: "leveraging").</summary>
    private static string KeyOf(string term)
    {
        var words = term.ToLowerInvariant().Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return "";
        }
        var first = words[0];
        var apostrophe = first.IndexOfAny(['\'', '’']);
        if (apostrophe >= 0)
        {
            return first[..apostrophe];
        }
        return words.Length == 1 && first.Length > 1 && first.EndsWith('e') ? first[..^1] : first;
    }

    private static IEnumerable<string> SplitTerms(string cell) =>
        cell.Split(',').Select(Clean).Where(IsUsable);

    private static string Clean(string term)
    {
        var cleaned = Parenthetical().Replace(term, "");
        return cleaned.Trim().Trim('"', '“', '”', '\'', '*').TrimEnd('…', '.', ',', ';', ':').Trim();
    }

    // Very short quoted items ("So,") are sentence patterns, not words that can be searched for; quoted titles
    // ("Reference: Product Facts and Claims We Can Make") name other documents.
    private static bool IsUsable(string term) =>
        term.Count(char.IsLetterOrDigit) >= 4 && term.Length <= 60 && !term.Contains(':', StringComparison.Ordinal) && !IsTitle(term);

    private static bool IsTitle(string term)
    {
        var words = term.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length > 3).ToList();
        return words.Count >= 2 && words.All(w => char.IsUpper(w[0]));
    }

    private static Regex TermPattern(string term)
    {
        var words = term.Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries);
        var parts = words.Select((word, i) =>
        {
            var escaped = Regex.Escape(word).Replace("'", "['’]", StringComparison.Ordinal);
            if (i < words.Length - 1 || !char.IsLetter(word[^1]))
            {
                return escaped;
            }
            // Variants count too: "unlocks", "leveraging", "disrupted".
            return word.EndsWith('e')
                ? Regex.Escape(word[..^1]) + "(?:e|es|ed|ing)"
                : escaped + "(?:s|es|ed|ing)?";
        });
        return new Regex(@"(?<![\w-])" + string.Join(@"[-\s]?", parts) + @"(?![\w-])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    [GeneratedRegex("[\"“]([^\"“”]{2,80})[\"”]")]
    private static partial Regex QuotedText();

    [GeneratedRegex(@"\s*\([^)]*\)")]
    private static partial Regex Parenthetical();

    [GeneratedRegex(@"(^|\s)an?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex ArticleAtEnd();
}
