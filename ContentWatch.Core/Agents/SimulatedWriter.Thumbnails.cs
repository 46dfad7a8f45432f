using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

internal static partial class SimulatedWriter
{
    private const int MaxOverlayWords = 4;

    private sealed record BrandColour(string Name, string Hex)
    {
        public override string ToString() => $"{Name} {Hex}";

        public double Luminance
        {
            get
            {
                var rgb = Convert.FromHexString(Hex.TrimStart('#'));
                return (0.2126 * rgb[0]) + (0.7152 * rgb[1]) + (0.0722 * rgb[2]);
            }
        }
    }

    private static readonly BrandColour[] DefaultPalette =
    [
        new("Accent Orange", "#F97316"), new("Charcoal", "#1F2933"), new("Warm White", "#F8F7F4"), new("Sky", "#38BDF8"),
    ];

    private static string WriteThumbnails(SimulatedBrief brief)
    {
        var script = Earlier(brief, "script_generation");
        var scriptLines = script?.Output.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList() ?? [];
        var workingTitle = scriptLines.SkipWhile(l => !l.StartsWith("## Working title", StringComparison.OrdinalIgnoreCase)).Skip(1).FirstOrDefault();
        var hook = HookLine(scriptLines);

        var palette = PaletteFrom(brief);
        var fromGuide = palette.Count > 0;
        if (!fromGuide)
        {
            palette = [.. DefaultPalette];
        }
        var accent = palette[0];
        var dark = palette.MinBy(c => c.Luminance)!;
        var light = palette.MaxBy(c => c.Luminance)!;
        var second = palette.FirstOrDefault(c => c != accent && c != dark && c != light) ?? accent;
        var phrase = brief.MainPhrase.ToUpperInvariant();
        var subject = brief.MainPhrase;

        var text = new StringBuilder();
        text.AppendLine("# Thumbnail concepts");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, _ => "reflected in the overlays and compositions below");
        if (script is not null)
        {
            text.AppendLine($"Built on *{script.StepName}*"
                + (workingTitle is null ? "" : $" (working title “{workingTitle}”)")
                + (hook is null ? "." : $"; the thumbnail sets up the hook without repeating it: “{hook}”"));
            text.AppendLine();
        }
        if (!fromGuide)
        {
            text.AppendLine("No hex colours were found in the style guide for this step, so a neutral palette stands in until the brand colours are added.");
            text.AppendLine();
        }

        AppendConcept(text, "A", "Face and reaction", Overlay($"{phrase} DONE RIGHT"),
            $"Presenter's face on the left third, eyes in the upper third, looking at the {subject} on the right; the face fills about 35% of the frame. Bottom-right corner kept clear for the duration badge.",
            $"{dark} background / {accent} accent on the key word / {light} text",
            "Curiosity: raised eyebrows and a half smile, the moment before the answer.",
            $"{brief.AudienceSentence} click on a person they trust more than on an object, and the question in the overlay matches the hook.");
        AppendConcept(text, "B", "Close-up of the mistake", Overlay("SKIP THIS MISTAKE"),
            $"Tight close-up of the {subject} mid-task, slightly from above, one {accent.Name} arrow pointing at the detail that goes wrong; no face.",
            $"{light} background / {accent} arrow / {dark} text",
            "No face: the object carries the story, which suits viewers who search for a fix.",
            "It promises a concrete fix that the video's mistake section delivers, so the click is earned.");
        AppendConcept(text, "C", "Before and after", Overlay("ONE WEEK LATER"),
            $"Split frame: the rough first attempt on the left, the result after a week on the right, with a thin {light.Name} divider; the presenter small in the right half, bottom-right kept clear.",
            $"{dark} left half / {second} right half / {light} text",
            "Quiet satisfaction on the right-hand face; no exaggerated reaction.",
            "Before/after shows progress at a glance, even at phone size and in greyscale.");

        text.AppendLine("## Recommendation");
        var ctr = brief.Prompt.Guidelines
            .SelectMany(g => g.Content.ReplaceLineEndings("\n").Split('\n').Select(l => (g.Title, Line: l)))
            .FirstOrDefault(x => x.Line.TrimStart().StartsWith('|') && x.Line.Contains("face", StringComparison.OrdinalIgnoreCase)
                && Regex.IsMatch(x.Line, @"\d+(\.\d+)?%"));
        text.AppendLine(ctr.Line is null
            ? "Publish **Concept A** first: a face with a short overlay reads fastest at phone size. A/B test **Concept C** against it after 48 hours."
            : $"Publish **Concept A** first and A/B test **Concept C** against it after 48 hours. From “{ctr.Title}”: {Regex.Replace(ctr.Line.Trim().Trim('|'), @"\s*\|\s*", ": ").Trim().TrimEnd('.')} average click-through.");
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    private static void AppendConcept(StringBuilder text, string letter, string name, string overlay, string composition, string colours, string face, string why)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"## Concept {letter} — {name}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Text overlay:** {overlay}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Composition:** {composition}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Colours:** {colours}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Face and expression:** {face}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Why it works:** {why}");
        text.AppendLine();
    }

    /// <summary>Overlays are at most four words: a longer phrase keeps its last words ("… DONE RIGHT").</summary>
    private static string Overlay(string words)
    {
        var parts = words.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts.Length <= MaxOverlayWords ? parts : parts[^MaxOverlayWords..]);
    }

    /// <summary>Named hex colours of the style guide ("Alpha Coral #FF5A4E"), first mention first.</summary>
    private static List<BrandColour> PaletteFrom(SimulatedBrief brief) =>
    [
        .. brief.Prompt.Guidelines
            .SelectMany(g => NamedHex().Matches(g.Content))
            .Select(m => new BrandColour(m.Groups[1].Value.Trim(), "#" + m.Groups[2].Value.ToUpperInvariant()))
            .DistinctBy(c => c.Hex),
    ];

    [GeneratedRegex(@"([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+){0,3})\s*\(?#([0-9A-Fa-f]{6})\b")]
    private static partial Regex NamedHex();
}
