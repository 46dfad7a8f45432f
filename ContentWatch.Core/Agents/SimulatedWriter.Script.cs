using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContentWatch.Core.Agents;

internal static partial class SimulatedWriter
{
    /// <summary>
    /// Lines the simulated writer "slips" into a draft when the guidelines it received ban these terms, so that the
    /// brand voice check has something real to find. Each line reads naturally with the guideline's drop-in
    /// alternative ("a game-changer" → "the biggest upgrade").
    /// </summary>
    private static readonly (string Term, string Line)[] Slips =
    [
        ("game-changer", "Honestly, getting this one habit right is a game-changer."),
        ("revolutionary", "It isn't revolutionary, but it works every single time."),
        ("leverage", "Leverage what you already own before you buy anything new."),
        ("disrupt", "This will disrupt the way you work, in a good way."),
        ("unlock", "Do this first and you unlock everything else in this video."),
        ("cutting-edge", "You don't need cutting-edge gear to get this right."),
        ("literally", "It literally takes five minutes a day."),
        ("seamless", "After a week, the whole routine feels seamless."),
        ("hack", "Here's the simple hack most people miss."),
        ("empower", "The goal is to empower you to make the call yourself."),
        ("deep dive", "This deep dive covers the part most guides skip."),
        ("unpack", "Let's unpack why that matters."),
        ("level up", "Ready to level up? Here's the next step."),
    ];

    private static string WriteScript(SimulatedBrief brief)
    {
        var steer = GuidanceEffects.From(brief);
        var slips = SlipLines(brief);
        var text = new StringBuilder();
        text.AppendLine("# Video script");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, GuidanceEffects.NoteFor);

        text.AppendLine("## Working title");
        text.AppendLine(FitTitle(brief, brief.IsShortForm
            ? [SimulatedBrief.WithSuffix(brief.TopicTitle, brief.IsQuestion ? ": The 60-Second Answer" : " in 60 Seconds"),
                SimulatedBrief.WithSuffix(brief.TopicTitle, ": One Change"), brief.TopicTitle]
            : [SimulatedBrief.WithSuffix(brief.TopicTitle, ": What to Know Before You Start"),
                SimulatedBrief.WithSuffix(brief.TopicTitle, ": 3 Things That Matter"), brief.TopicTitle]));
        text.AppendLine();

        var spoken = brief.IsShortForm ? AppendShortScript(text, brief, steer, slips) : AppendLongScript(text, brief, steer, slips);

        text.AppendLine("## Call to action");
        text.AppendLine(steer.CallToAction ?? (brief.IsShortForm
            ? "Follow for part two."
            : "If this helped, watch the next video in this series; it picks up exactly where this one ends."));
        text.AppendLine();

        text.AppendLine("## Production notes");
        text.AppendLine(brief.Prompt.Guidelines.Count == 0
            ? "- **Written to:** default professional standards (no brand guidelines were found for this step)."
            : $"- **Written to:** {string.Join(", ", brief.Prompt.Guidelines.Select(g => $"“{g.Title}”"))}.");
        var reference = brief.Prompt.Guidelines.FirstOrDefault(g => g.Category == "Reference");
        text.AppendLine(reference is null
            ? "- **Facts:** no reference document came with this brief, so the one figure on screen is marked [CHECK CLAIM]."
            : $"- **Facts:** product facts only from “{reference.Title}”; the figure on screen is marked [CHECK CLAIM] until confirmed.");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- **Length:** about {spoken} spoken words in this draft{(brief.IsShortForm ? " (target 110–150)." : "; the presenter's own examples take each body section to time.")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Audience:** pitched at {brief.AudienceInline}: plain words, short sentences, no assumed knowledge.");
        foreach (var guidance in brief.Prompt.Guidance)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- **Per your guidance:** “{guidance}” — {GuidanceEffects.NoteFor(guidance)}.");
        }
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    /// <returns>The number of spoken words written.</returns>
    private static int AppendLongScript(StringBuilder text, SimulatedBrief brief, GuidanceEffects steer, List<string> slips)
    {
        var script = new ScriptBuilder(text);
        var topic = brief.TopicInline;
        text.AppendLine("## Hook (0:00–0:05)");
        script.Say(brief.IsQuestion
            ? $"{brief.TopicQuestion} Here's the honest answer, in three decisions."
            : brief.Pick(
            [
                $"Here's what nobody tells you about {topic}.",
                $"When it comes to {topic}, most people start in the wrong place.",
                $"{Capitalize(topic)} looks hard. It isn't, once you know three things.",
            ]));
        script.Cue("[B-ROLL: presenter mid-task, close-up of hands, no intro card]");
        script.Cue("[ON-SCREEN: 3 things that matter]");
        text.AppendLine();

        text.AppendLine("## Script");
        script.Section("0:05–0:30", "What you'll get from this");
        script.Say($"By the end of this video, you'll know the three decisions that matter in {topic}.");
        script.Say("You'll also know the one mistake that costs people the most time.");
        script.Say($"This one is for {brief.AudienceInline}.");
        script.Say("No jargon, no shopping list. Just the order to do things in.");
        script.Cue("[ON-SCREEN: 3 decisions, 1 mistake]");

        script.Section("0:30–2:30", "Start with what you have");
        script.Say("Most people think they need more before they begin. You usually don't.");
        script.Say("The gap between a rough first try and a good one is rarely the equipment.");
        script.Cue("[B-ROLL: presenter laying out what they already own on a table, natural light]");
        script.Say("Look at what you have today and pick one thing to improve first.");
        if (steer.Plain)
        {
            script.Say($"Quick definition: when I say {brief.MainPhrase}, I mean the whole routine, start to finish.");
        }
        script.Say("Here's a simple rule: change one thing at a time, then judge the result.");
        script.Say("Change two things at once and you won't know which one helped.");
        if (slips.Count > 0)
        {
            script.Say(slips[0]);
        }
        if (steer.Humour)
        {
            script.Say("Yes, your first attempt will look rough. Everyone's does, mine included.");
        }
        script.Cue("[ON-SCREEN: One change at a time]");

        script.Section("2:30–5:00", "The costliest mistake");
        script.Say("The most common mistake is copying someone else's setup before you know your own needs.");
        script.Say("It looks efficient. It usually means buying twice.");
        script.Cue("[B-ROLL: close-up of a notebook with a short checklist]");
        script.Say("Their needs are not your needs, and their budget is not your budget.");
        script.Say("Instead, write down what good looks like for you, in one sentence.");
        script.Say("Keep that sentence where you can see it. It's your test for every change.");
        script.Cue("[GRAPHIC: three steps: goal, one change, check the result]");
        if (steer.Price)
        {
            script.Say("Let's talk money, because it matters.");
        }
        script.Cue("[ON-SCREEN: price at the time of recording] [CHECK CLAIM: confirm any price or spec shown here against the reference document]");

        if (!steer.Shorter)
        {
            script.Section("5:00–7:30", "Putting it into practice");
            script.Say("Here's how a normal week looks once you've got the basics.");
            script.Say("Day one, you set up. Day two, you try the one change. Day three, you check what happened.");
            script.Cue("[B-ROLL: the same task on three days, side by side]");
            foreach (var mention in steer.Mentions)
            {
                script.Say($"This is where {mention} comes in.");
            }
            if (slips.Count > 1)
            {
                script.Say(slips[1]);
            }
            script.Say("If something feels hard, that's normal. It gets easier by the third try.");
        script.Say("Keep notes as you go. Two lines a day is enough to see a pattern.");
            script.Cue("[ON-SCREEN: Day 1, Day 2, Day 3]");
        }

        script.Section(steer.Shorter ? "5:00–5:30" : "7:30–8:15", "Quick recap");
        if (steer.Shorter)
        {
            foreach (var mention in steer.Mentions)
            {
                script.Say($"This is where {mention} comes in.");
            }
            script.Say("Start with what you have, change one thing at a time, and check against your one sentence.");
        }
        else
        {
            script.Say("One: start with what you have.");
            script.Say("Two: change one thing at a time.");
            script.Say("Three: write down what good looks like, then check against it.");
        }
        script.Cue("[B-ROLL: presenter to camera, relaxed, wide shot]");
        text.AppendLine();
        return script.SpokenWords;
    }

    /// <returns>The number of spoken words written.</returns>
    private static int AppendShortScript(StringBuilder text, SimulatedBrief brief, GuidanceEffects steer, List<string> slips)
    {
        // Short-form rules: every spoken line carries a caption of six words or fewer (a third watch muted).
        var script = new ScriptBuilder(text);
        text.AppendLine("## Hook (0:00–0:02)");
        script.Say(brief.IsQuestion
            ? $"{brief.TopicQuestion} Watch this first."
            : brief.Pick(
            [
                $"One change makes {brief.TopicInline} easier. Watch.",
                $"Here's the {brief.MainPhrase} mistake almost everyone makes.",
            ]), "[ON-SCREEN: One change, big difference]");
        script.Cue("[B-ROLL: mid-action close-up, no intro]");
        text.AppendLine();

        text.AppendLine("## Script");
        script.Section("0:02–0:15", "The problem");
        script.Say("Most people copy someone else's setup on day one.", "[ON-SCREEN: Copying setups backfires]");
        script.Say("It happens to almost everyone.", "[ON-SCREEN: Almost everyone does it]");
        script.Cue("[CUT: quick reaction shot]");
        script.Say("It looks efficient. It usually means buying twice.", "[ON-SCREEN: You end up buying twice]");
        script.Say("And you still don't know what you need.", "[ON-SCREEN: Still guessing]");
        if (steer.Humour)
        {
            script.Say("Ask me how I know.", "[ON-SCREEN: Ask me how I know]");
        }

        script.Section("0:15–0:40", "The one tip");
        script.Say($"This one is for {brief.AudienceInline}.", "[ON-SCREEN: This one's for you]");
        script.Say("Start with what you already have.", "[ON-SCREEN: Start with what you have]");
        script.Cue("[B-ROLL: same task, one change, side by side]");
        script.Say("Change one thing, then check the result. Just one. Not five.", "[ON-SCREEN: One change at a time]");
        script.Say("Write down what good looks like before you start.", "[ON-SCREEN: Define good first]");
        script.Say("That one sentence is your test.", "[ON-SCREEN: Your one-sentence test]");
        foreach (var mention in steer.Mentions)
        {
            script.Say($"This is where {mention} comes in.", "[ON-SCREEN: Per the brief]");
        }
        if (slips.Count > 0)
        {
            script.Say(slips[0], "[ON-SCREEN: Small change, big result]");
        }
        script.Cue(steer.Price
            ? "[ON-SCREEN: price at the time of recording] [CHECK CLAIM: confirm the price against the reference document]"
            : "[GRAPHIC: the one number that matters] [CHECK CLAIM: confirm the figure against the reference document]");

        script.Section("0:40–0:55", "The payoff");
        script.Say("Three tries later, you'll see the difference yourself.", "[ON-SCREEN: Try it three times]");
        script.Cue("[B-ROLL: before and after, split screen]");
        if (!steer.Shorter)
        {
            script.Say("No new gear. No guesswork. Just one change you can measure.", "[ON-SCREEN: No new gear needed]");
        }
        if (slips.Count > 1 && !steer.Shorter)
        {
            script.Say(slips[1], "[ON-SCREEN: Three tries, real difference]");
        }
        script.Say("Try it once this week and see for yourself.", "[ON-SCREEN: Try it this week]");
        script.Say("And that's the one change from the start of this clip.", "[ON-SCREEN: Back to the start]");
        text.AppendLine();
        return script.SpokenWords;
    }

    private static string WriteShowNotes(SimulatedBrief brief)
    {
        var steer = GuidanceEffects.From(brief);
        var slips = SlipLines(brief);
        var topic = brief.TopicInline;
        var text = new StringBuilder();
        text.AppendLine("# Show notes and newsletter");
        AppendBriefLine(text, brief);
        AppendGuidance(text, brief, GuidanceEffects.NoteFor);

        text.AppendLine("## Headline");
        text.AppendLine(FitTitle(brief, [$"{brief.TopicTitle}: What Actually Matters", brief.TopicTitle], max: 70));
        text.AppendLine();
        text.AppendLine("## Standfirst");
        text.AppendLine(CultureInfo.InvariantCulture, $"This week's episode looks at {topic}: what matters, what doesn't, and what it costs to get wrong.");
        text.AppendLine(CultureInfo.InvariantCulture, $"It's for {brief.AudienceInline}, and you'll come away with one thing to do this week.");
        text.AppendLine();
        text.AppendLine("## Show notes");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **03:10** — Why {topic} matters more than it first appears.");
        text.AppendLine("- **11:45** — The mistake that costs people the most, and how to spot it early.");
        text.AppendLine("- **22:30** — What to do this week: one change, then check the result.");
        if (!steer.Shorter)
        {
            text.AppendLine("- **34:05** — A listener question: where to start with an hour a week.");
        }
        text.AppendLine();
        text.AppendLine("## Newsletter section");
        text.AppendLine("The most useful idea from this week's episode is also the least exciting: start with what you already have.");
        text.AppendLine("Most of us buy, sign up or reorganise before we know what we need. Our guest's estimate is that half of it goes unused [SOURCE?].");
        text.AppendLine();
        if (slips.Count > 0)
        {
            text.AppendLine(slips[0]);
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"The second point is about {topic} itself. Change one thing at a time, and write down what good looks like first.");
        if (steer.Humour)
        {
            text.AppendLine("It is not glamorous advice. Neither is flossing, and that works too.");
        }
        if (steer.Plain)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"In plain terms: {brief.MainPhrase} is the whole routine, start to finish, not one clever trick.");
        }
        foreach (var mention in steer.Mentions)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"We also come to {mention}, at 22:30.");
        }
        if (steer.Price)
        {
            text.AppendLine("On money: the guest's own figures, at the time of recording, are in the episode [SOURCE?].");
        }
        text.AppendLine();
        if (slips.Count > 1)
        {
            text.AppendLine(slips[1]);
        }
        text.AppendLine(steer.CallToAction ?? "Try one change this week. Reply and tell us how it went; the most useful replies shape future episodes.");
        text.AppendLine();
        text.AppendLine("## Links mentioned");
        text.AppendLine("- [Link: episode page]");
        text.AppendLine("- [Link: the checklist mentioned at 22:30]");
        text.AppendLine("- [Link: last week's episode]");
        AppendGuidelinesUsed(text, brief);
        return text.ToString();
    }

    /// <summary>
    /// Up to two slip lines, for banned terms the received guidelines actually name, and only when the inputs bait
    /// them: a topic (or another input) that uses a banned term or a hype word. A plain topic gets a clean draft, and
    /// so does a revision whose feedback names a banned term: the writer has been told, and slips nothing again.
    /// </summary>
    private static List<string> SlipLines(SimulatedBrief brief)
    {
        var banned = BannedTerms.From(brief.Prompt.Guidelines);
        if (!banned.FromGuidelines || !IsBaited(brief, banned) || banned.NamedIn(brief.Prompt.Feedback).All.Count > 0)
        {
            return [];
        }
        var lines = Slips
            .Where(s => banned.All.Any(t => string.Equals(t.Term, s.Term, StringComparison.OrdinalIgnoreCase)))
            .Select(s => s.Line)
            .Take(2)
            .ToList();
        if (lines.Count == 0)
        {
            lines.Add($"Some people would call this step “{banned.All[0].Term}”; here it's simply the step that matters most.");
        }
        return lines;
    }

    private static bool IsBaited(SimulatedBrief brief, BannedTerms banned) =>
        brief.Prompt.Inputs.Values.Any(v => HypeWords().IsMatch(v) || banned.FindIn(v).Count > 0);

    /// <summary>
    /// A revision's draft without the banned terms its feedback names (those the topic brought in, say): each one
    /// swapped for the guideline's alternative, or deleted. Only the draft's own lines: not the quoted brief, nor the
    /// production notes and guideline titles after them.
    /// </summary>
    private static string WithoutStruckTerms(string body, PromptSections prompt)
    {
        var struck = BannedTerms.From(prompt.Guidelines).NamedIn(prompt.Feedback);
        if (struck.All.Count == 0)
        {
            return body;
        }
        var lines = body.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line == "---" || (line.StartsWith('#') && line.Contains("Production notes", StringComparison.OrdinalIgnoreCase)))
            {
                break;
            }
            if (!line.StartsWith('>'))
            {
                lines[i] = struck.Without(lines[i]);
            }
        }
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"\b(?:ultimate|insane|secrets?|mind[-\s]?blowing|hacks?|game[-\s]?chang(?:er|ers|ing)|crazy|epic|jaw[-\s]?dropping|unbelievable)\b", RegexOptions.IgnoreCase)]
    private static partial Regex HypeWords();

    private static string FitTitle(SimulatedBrief brief, IEnumerable<string> candidates, int max = 60)
    {
        var fit = candidates.FirstOrDefault(c => c.Length <= max);
        return fit ?? Shorten(brief.TopicTitle, max);
    }

    /// <summary>Writes spoken lines and production cues, counting the spoken words.</summary>
    private sealed class ScriptBuilder(StringBuilder text)
    {
        public int SpokenWords { get; private set; }

        public void Section(string time, string name) =>
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**{time} — {name}**");

        public void Say(string line, string? caption = null)
        {
            SpokenWords += WordCount(line);
            text.AppendLine(line);
            if (caption is not null)
            {
                text.AppendLine(caption);
            }
        }

        public void Cue(string cue) => text.AppendLine(cue);
    }

    /// <summary>What the creator's guidance changes in a draft, read from its words, and how to say so.</summary>
    private sealed partial class GuidanceEffects
    {
        public bool Shorter { get; private init; }
        public bool Humour { get; private init; }
        public bool Price { get; private init; }
        public bool Plain { get; private init; }
        public string? CallToAction { get; private init; }
        public IReadOnlyList<string> Mentions { get; private init; } = [];

        public static GuidanceEffects From(SimulatedBrief brief)
        {
            var all = string.Join(" ", brief.Prompt.Guidance);
            return new GuidanceEffects
            {
                Shorter = ShorterWords().IsMatch(all),
                Humour = HumourWords().IsMatch(all),
                Price = PriceWords().IsMatch(all),
                Plain = PlainWords().IsMatch(all),
                CallToAction = CallToActionFor(all),
                Mentions = [.. brief.Prompt.Guidance.Select(g => MentionWords().Match(g))
                    .Where(m => m.Success)
                    .Select(m => m.Groups[1].Value.Trim().TrimEnd('.', '!'))
                    .Where(m => m.Length > 0)],
            };
        }

        public static string NoteFor(string guidance)
        {
            var notes = new List<string>();
            if (ShorterWords().IsMatch(guidance))
            {
                notes.Add("tightened: fewer sections and a one-line recap");
            }
            if (HumourWords().IsMatch(guidance))
            {
                notes.Add("added a light, self-deprecating line (humour from the situation, not at anyone's expense)");
            }
            if (PriceWords().IsMatch(guidance))
            {
                notes.Add("added a money beat, with the figure marked [CHECK CLAIM]");
            }
            if (PlainWords().IsMatch(guidance))
            {
                notes.Add("defined the key term the first time it comes up");
            }
            if (CallToActionFor(guidance) is not null)
            {
                notes.Add("rewrote the call to action to match");
            }
            if (MentionWords().Match(guidance) is { Success: true } mention)
            {
                notes.Add($"worked in a line for {mention.Groups[1].Value.Trim().TrimEnd('.', '!')}");
            }
            return notes.Count > 0 ? "applied: " + string.Join("; ", notes) : "applied to the wording and examples throughout";
        }

        private static string? CallToActionFor(string guidance) => guidance switch
        {
            _ when Regex.IsMatch(guidance, @"\bnewsletter\b", RegexOptions.IgnoreCase) =>
                "If this helped, join the newsletter; the link is in the description.",
            _ when Regex.IsMatch(guidance, @"\bcomments?\b", RegexOptions.IgnoreCase) =>
                "Tell me in the comments which step you'll try first.",
            _ when Regex.IsMatch(guidance, @"\bsubscribe\b", RegexOptions.IgnoreCase) =>
                "If this helped, subscribe for the next part of the series.",
            _ when Regex.IsMatch(guidance, @"\b(link|website|checklist)\b", RegexOptions.IgnoreCase) =>
                "The full checklist is at the link in the description.",
            _ => null,
        };

        [GeneratedRegex(@"\b(short|shorter|concise|tighter|tight|trim|brief|briefer)\b", RegexOptions.IgnoreCase)]
        private static partial Regex ShorterWords();

        [GeneratedRegex(@"\b(fun|funny|funnier|humou?r|joke|jokes|playful|lighter|witty)\b", RegexOptions.IgnoreCase)]
        private static partial Regex HumourWords();

        [GeneratedRegex(@"\b(price|prices|pricing|cost|costs|budget|money)\b", RegexOptions.IgnoreCase)]
        private static partial Regex PriceWords();

        [GeneratedRegex(@"\b(beginners?|simple|simpler|jargon|plain|explain)\b", RegexOptions.IgnoreCase)]
        private static partial Regex PlainWords();

        [GeneratedRegex(@"\b(?:mention|include|feature|name-check|plug)\s+(.{3,80}?)(?:[.!;]|$)", RegexOptions.IgnoreCase)]
        private static partial Regex MentionWords();
    }
}
