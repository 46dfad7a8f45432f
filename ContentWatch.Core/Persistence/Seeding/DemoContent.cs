using ContentWatch.Core.Domain;

namespace ContentWatch.Core.Persistence.Seeding;

internal sealed record AgentSeed(string Name, AgentRole Role, string SystemPrompt, double Temperature, bool IsDefault);

internal sealed record KnowledgeSeed(string Title, KnowledgeCategory Category, string Content);

internal sealed record StepSeed(
    string Name, StepType StepType, int Order, string AgentName, string PromptTemplate,
    int? MinScore = null, BelowMinScore? OnBelow = null, int? MaxRevisions = null);

internal sealed record TemplateSeed(string Name, string Description, bool IsActive, IReadOnlyList<StepSeed> Steps);

/// <summary>
/// The demo organizations' agents, knowledge base and pipeline templates, seeded when <c>Seed:DemoData</c> is on.
/// The seeder matches rows by agent name, document title and template name (unique within an organization),
/// so it can run on every start and only adds what is missing.
/// </summary>
internal static class DemoContent
{
    private const string AlphaWriter = "Script Writer";
    private const string AlphaReviewer = "Brand Voice Reviewer";
    private const string AlphaDesigner = "Thumbnail Designer";
    private const string AlphaSeo = "SEO Strategist";

    private const string BetaWriter = "Newsletter Writer";
    private const string BetaReviewer = "Editorial Reviewer";

    public static IReadOnlyList<AgentSeed> AlphaAgents { get; } =
    [
        new(
            AlphaWriter,
            AgentRole.Writer,
            """
            You are the Script Writer at Alpha Media Agency, a video-first agency that makes YouTube and TikTok explainers for tech and lifestyle brands. You turn a topic, a target audience and a format into a ready-to-record video script that a presenter can read aloud without edits.

            Rules you always follow:
            - Open with a hook that lands in the first 5 seconds: a surprising fact, a problem the viewer already has, or a clear visual promise. Never open with a greeting or the channel name.
            - Write in the brand voice from the knowledge base: confident, warm, plain English, second person ("you"). Keep spoken sentences under 20 words.
            - Never use a word from the banned words list; use the approved alternative instead.
            - Only state product facts that appear in the reference documents. If a claim is not there, leave it out or mark it [CHECK CLAIM].
            - Fit the length to the format: 110–150 spoken words for a short (TikTok, Reels, Shorts), 900–1,400 words for a long-form YouTube explainer.
            - Add a [B-ROLL: ...] cue at least every 20 seconds and keep [ON-SCREEN: ...] text to six words.

            Output format (markdown):
            ## Working title
            One title, under 60 characters.
            ## Hook (0:00–0:05)
            The opening line or two, exactly as spoken.
            ## Script
            Timestamped sections such as **0:05–0:40 — Why it matters**, spoken lines as short paragraphs, with [B-ROLL], [ON-SCREEN] and [GRAPHIC] cues on their own lines.
            ## Call to action
            One sentence with one ask.
            ## Production notes
            Up to five bullets for the editor: props, locations, graphics and any [CHECK CLAIM] items to confirm with the account manager.
            """,
            0.8,
            IsDefault: true),
        new(
            AlphaReviewer,
            AgentRole.Reviewer,
            """
            You are the Brand Voice Reviewer at Alpha Media Agency. You audit a draft video script against the brand guidelines in the knowledge base before it goes to the presenter and the client. You are strict, specific and fair: every issue you raise must point at an exact line of the draft.

            Check, in this order:
            1. Banned words and phrases — every occurrence, including variants ("game changing", "unlocks", "leveraging"). Each one is an issue on its own.
            2. Tone — confident, warm, plain English, second person. Flag hype, jargon, passive voice, fake urgency, sarcasm at the viewer's expense and spoken sentences over 20 words.
            3. Claims — every product fact must appear in "Reference: Product Facts and Claims We Can Make". Flag anything unverified, any superlative ("best", "fastest") and any health or safety claim.
            4. Structure — a hook within the first 5 seconds, timestamped sections, [B-ROLL] cues, one clear call to action.

            Output format (markdown):
            ## Verdict
            **PASS** or **FAIL** — Score: NN/100
            ## Issues
            A table with the columns: Line (quoted exactly) | Rule broken | Suggested rewrite. Write "No issues found." if the table would be empty.
            ## What works
            Two or three bullets naming strengths the writer should keep.
            ## Revised hook
            Your rewrite of the opening lines if the hook failed; otherwise write "Hook approved."

            Scoring: start at 100; subtract 10 per banned word, 15 per unsupported claim and 5 per tone or structure issue. The script FAILS if the score is below 80 or if it contains any unsupported claim. Do not rewrite the whole script; the writer owns the draft.
            """,
            0.2,
            IsDefault: true),
        new(
            AlphaDesigner,
            AgentRole.Designer,
            """
            You are the Thumbnail Designer at Alpha Media Agency. You turn an approved video script into thumbnail concepts that a designer can build in Figma in under an hour. The thumbnail wins or loses the click, so every concept must read clearly at phone size (about 160 pixels wide) and follow the Thumbnail Visual Style Guide in the knowledge base.

            Rules you always follow:
            - Propose exactly 3 concepts, each a different approach: (A) face and emotion, (B) product or object close-up, (C) before/after or contrast.
            - The text overlay is at most 4 words, never repeats the video title and uses the brand headline font.
            - Use only the brand palette; name the background, accent and text colours of each concept with their hex codes.
            - One focal point per thumbnail; the face or object fills at least 30% of the frame; keep the bottom-right corner clear for the duration badge.
            - No misleading imagery: every object, result or expression shown must appear in the video.
            - Check contrast: the concept must still separate subject from background in greyscale.

            Output format (markdown):
            ## Concept A — <short name>
            - **Text overlay:** the words, in capitals
            - **Composition:** subject, placement, camera angle, crop
            - **Colours:** background / accent / text, with hex codes
            - **Why it works:** one sentence tied to the target audience
            ## Concept B — <short name>
            (same fields)
            ## Concept C — <short name>
            (same fields)
            ## Recommendation
            Which concept to publish first and which to A/B test against it, with one sentence of reasoning based on the click-through data in the analytics documents.
            """,
            0.9,
            IsDefault: true),
        new(
            AlphaSeo,
            AgentRole.Seo,
            """
            You are the SEO Strategist at Alpha Media Agency. You package an approved video for discovery on YouTube and, for short-form clips, TikTok, using the search and audience data in the knowledge base. You optimise for real viewer intent and never for clickbait: the title and description must promise only what the video delivers.

            Rules you always follow:
            - Each title option is at most 60 characters including spaces. Put the main search term in the first 40 characters. No words in all capitals and no words from the banned list.
            - The description opens with one or two sentences (at most 150 characters) that work as a search snippet and include the main keyword, then a three-sentence summary, then the chapters, then placeholders for links.
            - Chapters start at 0:00, follow the script's timestamps, have at least three entries and use labels of 2–5 words.
            - Tags: 10 to 15, ordered from most specific to most general, mixing exact-match search terms from "Search Performance Notes", common misspellings, and brand and category tags.
            - Hashtags: exactly three.
            - Sponsored videos keep the sponsor disclosure in the first line of the description.

            Output format (markdown):
            ## Title options
            Three numbered options, each followed by its character count in brackets, e.g. (54).
            ## Description
            ## Chapters
            ## Tags
            A single comma-separated line.
            ## Hashtags
            ## Keyword rationale
            Up to four bullets explaining which search terms you targeted, their intent, and why they suit this audience.
            """,
            0.4,
            IsDefault: true),
    ];

    public static IReadOnlyList<KnowledgeSeed> AlphaKnowledge { get; } =
    [
        new(
            "Brand Voice: Tone and Personality",
            KnowledgeCategory.BrandVoice,
            """
            # Brand Voice: Tone and Personality

            Alpha Media Agency videos sound like a smart friend who has already done the research: confident, warm and never smug. Every client channel we produce, from home espresso gear to productivity apps and electric bikes, uses this voice unless the client's own brand guide overrides it.

            ## Our personality
            - **Confident** — we say things plainly. "The grinder is the upgrade that matters most," not "It might possibly be worth considering a grinder."
            - **Warm** — we are on the viewer's side. We admit when something is hard, expensive or not worth buying.
            - **Curious** — we explain why, not just what. One clear reason beats three vague ones.
            - **Practical** — every video leaves the audience with something they can do today.

            ## How we write
            - Plain English. Write the way the presenter speaks; if you would not say it out loud, cut it.
            - Second person. Talk to "you", one viewer at a time. Avoid "guys", "everyone" and "folks".
            - Short sentences: 8–15 words on average, 20 at most for spoken lines.
            - Active voice. "The battery lasts up to 60 miles," not "Up to 60 miles can be achieved."
            - Specific beats general. Name the number, the price, the model, the minute.
            - Beginners are welcome. Define a term the first time it appears: "bloom — the first splash of water that lets the coffee release gas."

            ## What we never do
            - Hype, exaggeration or fake urgency ("You need this before it's gone!").
            - Talk down to the audience or mock other people's choices.
            - Pretend a sponsored product has no downsides. Honest trade-offs build trust, and trust shows up in retention.
            - Lean on sarcasm. Light humour is welcome when it comes from the situation, not at someone's expense.

            ## The read-aloud test
            Read the script aloud to someone who is new to the topic. If they would ask "meaning what?", rewrite the line.
            """),
        new(
            "Banned Words and Phrases in Every Video, Short or Long",
            KnowledgeCategory.BrandVoice,
            """
            # Banned Words and Phrases in Every Video, Short or Long

            These words make our videos sound like every other tech advert. They are banned in scripts, on-screen text, titles, descriptions and thumbnails, and the Brand Voice Reviewer fails any script that uses them. Variants count too: "game changing", "unlocks", "leveraging".

            The list applies to every video we make: a long video explainer, a short video for TikTok, Reels or Shorts, a blog post or a thread. Beginners and experts alike tune out the moment a video sounds like an advert, so check each line of a short video as carefully as a long one.

            | Banned | Use instead |
            |---|---|
            | game-changer, game-changing | "the biggest upgrade", "what changed for me", or name the actual change |
            | revolutionary | "new", "different", or describe what is new |
            | synergy | "works well together", "fits with" |
            | leverage | "use" |
            | disrupt, disruptive | "change", "replace", "challenge" |
            | unlock | "get", "open up", "start using" |
            | cutting-edge | "latest", "new", or name the specific feature |
            | literally | delete it; it is almost never literal |
            | in today's fast-paced world | delete it and start with the point |
            | seamless, seamlessly | "smooth", "without extra steps" |
            | next-level | "better", or say how much better |
            | must-have | "worth buying if…", "our pick for…" |
            | hack, life hack | "tip", "shortcut", "trick" |
            | insane, crazy (as praise) | "surprising", "impressive", or give the number |
            | best-in-class | name the comparison: "lighter than the two bikes we tested" |
            | empower | "help", "let you" |
            | elevate your… | "improve", "make… better" |

            ## Phrases to avoid in hooks
            - "Hey guys, welcome back to the channel" — start with the idea instead.
            - "Before we start, don't forget to like and subscribe" — asks belong at the end.
            - "You won't believe…" — reads as clickbait and lowers returning-viewer rates.

            ## Claims language
            Never say "best", "fastest", "cheapest", "guaranteed", "clinically proven" or "100% safe" unless the exact claim appears, with its source, in "Reference: Product Facts and Claims We Can Make".
            """),
        new(
            "Video Script Formatting Rules",
            KnowledgeCategory.StyleGuide,
            """
            # Video Script Formatting Rules

            Every script is delivered in markdown so presenters, editors and clients read the same file. These rules apply to all YouTube explainers; short-form clips follow them too, plus the short-form video rules.

            ## Structure
            1. **Hook (0:00–0:05).** The first line states the problem, the payoff or a surprising fact. No logo sting, no greeting, no channel name.
            2. **Promise (0:05–0:20).** Tell the viewer exactly what they will know or be able to do by the end of the video.
            3. **Body.** Three to five sections, each with a timestamp heading, e.g. **1:10–2:30 — Dialling in your grind**.
            4. **Recap (last 30 seconds).** Three spoken takeaways.
            5. **Call to action.** One ask only: subscribe, watch the next video, or visit the link. Never all three.

            ## Line rules
            - One spoken sentence per line; 20 words at most, about 12 on average.
            - Write numbers the way the presenter says them ("four hundred and forty-nine euros") and put the figure in on-screen text.
            - Add a pronunciation note the first time a product or term appears: Voltway [VOLT-way], crema [CREM-uh].

            ## Cues
            - [B-ROLL: …] on its own line, describing the shot: [B-ROLL: close-up, espresso dripping into a glass cup, slow motion]. At least one B-roll cue every 20 seconds of script.
            - [ON-SCREEN: …] for text overlays, six words at most, never a full sentence the presenter is already saying.
            - [GRAPHIC: …] for charts or animated diagrams; include the numbers to show.
            - [SFX: …] sparingly, at most twice per video.

            ## Length
            - Long-form: 900–1,400 spoken words, about 6–10 minutes at 150 words per minute.
            - Short-form: 110–150 words, 45–60 seconds.

            ## Sponsor segments
            Mark them [SPONSOR START] and [SPONSOR END]. Place them after the first body section, never before the 1:00 mark, and keep them under 60 seconds.
            """),
        new(
            "Thumbnail Visual Style Guide for Every Video, Short or Long",
            KnowledgeCategory.StyleGuide,
            """
            # Thumbnail Visual Style Guide for Every Video, Short or Long

            Thumbnails are designed at 1280×720 and checked at 160×90, the size most of our audience sees on a phone. If the idea does not read at 160 pixels wide, it does not ship. A short video gets a cover frame built on the same rules as a long video thumbnail, so beginners recognise our videos in any feed.

            ## Brand colours
            - **Alpha Coral #FF5A4E** — primary accent: arrows, highlights, the key word in the overlay.
            - **Deep Ink #1B1F3B** — dark backgrounds, and text on light backgrounds.
            - **Signal Yellow #FFD23F** — secondary accent, at most 15% of the frame.
            - **Paper White #F7F5F0** — light backgrounds, and text on dark backgrounds.
            - **Mint #3DDC97** — the "after" or positive state in before/after concepts only.

            A client's brand colour may replace Signal Yellow, never Alpha Coral.

            ## Typography
            - Headline overlay: Archivo Black, all capitals, 2–4 words, tight tracking (-10).
            - Overlay text is at least 12% of the frame height; Paper White or Deep Ink with a 6 px Deep Ink stroke or drop shadow.
            - Never more than two text colours in one thumbnail.

            ## Faces
            - Thumbnails with a face outperform product-only thumbnails on our channels (see Audience Metrics Q3). Use the presenter's face when you can.
            - The expression matches the video: curiosity or surprise for explainers, satisfaction for reviews. No exaggerated screaming faces.
            - Eyes in the upper third; the face takes 30–45% of the frame.

            ## Composition
            - One focal point. Rule of thirds: the face on one side, the object or text on the other.
            - Keep the bottom-right 20% clear; the duration badge covers it.
            - Background: a blurred real location or a flat brand colour. No busy stock photos.
            - Contrast check: convert to greyscale; subject and text must still separate clearly.

            ## Don'ts
            - No arrows pointing at nothing, no fake "NEW" badges, no emoji larger than the text.
            - Don't show products or results that are not in the video.
            - Don't copy the video title into the overlay; title and thumbnail should work together, not repeat each other.
            """),
        new(
            "Short-Form Video Rules (TikTok, Reels, Shorts)",
            KnowledgeCategory.StyleGuide,
            """
            # Short-Form Video Rules (TikTok, Reels, Shorts)

            Short-form clips are vertical (1080×1920), 45–60 seconds and watched with the sound off about a third of the time. They follow the Video Script Formatting Rules plus the rules below.

            ## Hook
            - The first spoken line and the first on-screen text land in under 2 seconds. Our completion rate halves when the hook starts after 3 seconds.
            - Start mid-action: the espresso already pouring, the e-bike already moving, the app already open on screen.
            - Use a pattern interrupt in the first frame: a close-up, an unexpected object or a direct question to the viewer.

            ## Script
            - 110–150 spoken words; one idea per clip. If you need "and another thing", it is two clips.
            - Every line has a matching [ON-SCREEN: …] caption of at most six words, because many viewers watch muted.
            - Cut every 2–3 seconds; mark each cut with a [B-ROLL: …] or [CUT: …] cue.
            - End with a loop or a payoff, not a goodbye. The last line should make the first line make sense again.

            ## Call to action
            - One soft ask at most: "Follow for part two" or "Full guide on our YouTube". Never ask for likes.
            - Sponsored clips carry #ad in the caption and a spoken "sponsored by" in the first 10 seconds.

            ## Captions and sound
            - Burned-in captions in Archivo Black, Paper White on a Deep Ink box, centred in the middle third (the bottom third is covered by the interface).
            - Trending audio only if it is licensed for commercial use on the client's account; otherwise use our library tracks.

            ## What works for our audience
            Quick tips for beginners ("3 mistakes with your first espresso"), before/after reveals (packing a carry-on for budget travel) and one-number facts ("This e-bike costs 4 cents a mile to charge") have the highest completion rates.
            """),
        new(
            "Audience Metrics Q3",
            KnowledgeCategory.Analytics,
            """
            # Audience Metrics Q3 (July–September)

            Combined figures across the six client channels we run: 2.4M subscribers in total and 31.7M views in the quarter. Source: YouTube Studio and TikTok Analytics exports of 1 October.

            ## Who watches
            | Age | Share of views |
            |---|---|
            | 18–24 | 21% |
            | 25–34 | 38% |
            | 35–44 | 24% |
            | 45–54 | 11% |
            | 55+ | 6% |

            Gender: 58% male, 41% female, 1% other or not disclosed. Top countries: United States 34%, United Kingdom 14%, Germany 9%, Canada 7%, Australia 6%. Devices: 62% mobile, 24% TV screens (up from 17% in Q2), 14% desktop.

            ## Retention (long-form explainers, median)
            - 0:08 — 72% still watching (58% when the video opens with a greeting)
            - 0:30 — 61%
            - 2:00 — 48%
            - Half of the runtime — 39%
            - End screen — 24%

            Average view duration is 4:12 on 8–10 minute videos. Videos with chapters hold about 9% longer.

            ## Click-through rate by thumbnail style
            | Thumbnail style | Average CTR |
            |---|---|
            | Face + short text overlay (4 words or fewer) | 7.8% |
            | Before/after split | 7.1% |
            | Product close-up, no face | 5.2% |
            | Text-heavy (5+ words) | 3.9% |

            Channel average CTR: 6.3%.

            ## Best posting times (viewer's local time)
            - YouTube long-form: Tuesday and Thursday 16:00–18:00; Saturday 09:00–11:00.
            - TikTok and Shorts: weekdays 12:00–13:00 and 19:00–21:00.

            ## Top search terms bringing viewers
            1. home espresso for beginners
            2. best productivity apps for students
            3. electric bike commute
            4. budget travel tips europe
            5. espresso machine under 500
            6. notion vs obsidian
            7. is an e-bike worth it

            ## What this means
            Beginner-friendly explainers with a face-led thumbnail and a hook under 5 seconds are our strongest combination. Comparison videos hold attention longest (46% at half the runtime). The growing TV audience watches longer videos, so long-form should not be cut below 8 minutes just to chase shorter durations.
            """),
        new(
            "Search Performance Notes",
            KnowledgeCategory.Analytics,
            """
            # Search Performance Notes

            Working notes from the SEO team on what search traffic rewards on our client channels. Reviewed monthly; last updated after the Q3 export.

            ## Titles
            - Titles of 40–60 characters get the highest click-through from search (6.9%). Titles over 70 characters are cut off on mobile and drop to 4.8%.
            - Put the search phrase first: "Home Espresso for Beginners: 5 Mistakes to Avoid" earned 31% more search impressions than "5 Mistakes Every New Home Barista Makes".
            - Numbers help list videos; questions work for decision videos ("Is an Electric Bike Worth It?").
            - A bracketed qualifier lifts CTR by about 0.6 points: "(Tested for 30 Days)", "(Beginner Guide)".

            ## Descriptions
            - The first 150 characters appear in search results; include the main keyword and a concrete benefit.
            - Videos with chapters get "key moments" in Google search. 18% of our search traffic now comes from Google rather than YouTube search.
            - Link two or three related videos in the description; it raises session time.

            ## Tags and hashtags
            - Tags matter little for ranking but catch misspellings: "expresso", "ebike", "e bike", "notion app".
            - Use exactly three hashtags; with more, some are ignored and the rest are diluted.

            ## Keyword clusters that work
            - **Coffee:** home espresso, espresso for beginners, espresso machine under 500, grinder for espresso, latte art at home, milk steaming.
            - **Productivity:** productivity apps, notion setup, time blocking, to-do list app, focus timer, second brain.
            - **Electric bikes:** e-bike commute, electric bike for beginners, e-bike range test, class 1 vs class 3, e-bike battery care.
            - **Budget travel:** budget travel tips, cheap flights, carry-on only packing, europe by train. People search for "travel hacks", but our copy says "tips" because "hack" is banned.

            ## Low-value terms
            - "review" on its own: too competitive for our channel sizes.
            - "unboxing": brings views but retention is 30% below our average.
            - "ultimate guide": saturated; our ultimate-guide titles underperform by 22%.

            ## Seasonal notes
            Espresso and coffee searches peak in November and December (gift season). E-bike searches peak in March to May. Budget travel searches peak in January and again in late May. Publish two to three weeks before each peak so the video has time to rank.
            """),
        new(
            "Reference: Product Facts and Claims We Can Make",
            KnowledgeCategory.Reference,
            """
            # Reference: Product Facts and Claims We Can Make

            Approved by each client's marketing or legal contact. If a fact is not on this page, do not state it in a script, title, description or thumbnail: mark it [CHECK CLAIM] and ask the account manager.

            ## Crema Home Duo (espresso machine) — client: Crema Home
            - Price: €449 / $479 at the time of recording. Say "under 500", never "cheap".
            - 58 mm portafilter, PID temperature control, 15-bar pump.
            - Heats up in 3 minutes (tested by Crema Home).
            - Manual steam wand with a one-hole tip.
            - Can say: "made for beginners who want café-style espresso at home".
            - Cannot say: "barista quality", "better than a café", any health claim about coffee.

            ## Voltway Commute 2 (electric bike) — client: Voltway
            - Price: $1,799. Class 1 pedal assist up to 20 mph in the US; 25 km/h in the EU.
            - Range: "up to 60 miles (97 km) in Eco mode". Always include "up to" and "in Eco mode".
            - Weight 19.8 kg (43.6 lb) with the battery; 504 Wh removable battery, full charge in 4.5 hours.
            - Cannot say: "the lightest", "safe for everyone", or compare range with named competitors.

            ## Tempo Planner (productivity app) — client: Tempo Labs
            - Free plan; Pro costs $6 a month, billed yearly.
            - iOS, Android, Mac, Windows and web. Syncs with Google Calendar and Outlook.
            - Features we can show: time blocking, focus timer, weekly review.
            - Approved claim: "used by more than 400,000 people" (June figures).
            - Cannot say: "doubles your productivity", "the best productivity app", "AI-powered" (the AI features are in private beta).

            ## Wayfarer 30L (travel backpack) — client: Wayfarer Packs
            - $149; 30 litres; fits most airline carry-on limits (say "most", never "all").
            - Weighs 1.1 kg; laptop sleeve up to 16 inches; lifetime warranty on zips and seams.
            - Cannot say: "waterproof" (it is water-resistant) or "TSA approved".

            ## General rules
            - Prices change: always add "at the time of recording" next to a price.
            - Sponsored videos say "This video is sponsored by…" at the start of the sponsor segment; TikTok captions carry #ad.
            - Comparisons with competitors use only figures from their public spec sheets, linked in the description.
            """),
        new(
            "Reference: Past Top-Performing Videos",
            KnowledgeCategory.Reference,
            """
            # Reference: Past Top-Performing Videos

            Our strongest videos of the last twelve months, with what we think made them work. Use them as models for hooks, structure and thumbnails, not as scripts to copy.

            ## Long-form (YouTube)
            1. **"Home Espresso for Beginners: 5 Mistakes to Avoid"** (Crema Home) — 1.9M views, 9.1% CTR, 61% average viewed. Hook: "Your espresso is sour, and it's not the beans." Thumbnail: presenter's puzzled face, a sour-looking shot, overlay "SOUR SHOT?".
            2. **"Is an Electric Bike Worth It? (6 Months of Commuting)"** (Voltway) — 1.2M views, 8.4% CTR. An honest cost-per-mile breakdown; comments praised that we showed the downsides (weight, price, rain).
            3. **"I Tried 7 Productivity Apps So You Don't Have To"** (Tempo Labs) — 940K views, 7.6% CTR, 46% viewed at half the runtime. A fair comparison format; Tempo won on its real strengths (time blocking), not by default.
            4. **"Europe by Train on €50 a Day"** (Wayfarer Packs) — 860K views, 7.2% CTR. Budget travel with real receipts on screen; before/after thumbnail of a map and a packed bag.

            ## Short-form (TikTok, Reels, Shorts)
            5. **"The 3-second milk steaming trick"** — 4.3M views, 71% watched to the end. Starts mid-pour, one tip, loops cleanly.
            6. **"What 4 cents of electricity gets you"** — 2.2M views. A one-number fact about e-bike charging costs.
            7. **"Carry-on only for two weeks"** — 1.6M views. A fast before/after packing reveal.

            ## Patterns worth copying
            - Hooks that name a problem the audience already has.
            - Real numbers on screen: cost per mile, grams of coffee, minutes saved.
            - Admitting a downside in the first third of the video.
            - "Beginners" or "worth it" framing in the title.

            ## What flopped
            - **"The Ultimate Guide to Smart Home Gadgets"** — 3.1% CTR: a text-heavy thumbnail and a generic title with no clear viewer.
            - **"Top 10 Tech Deals This Week"** — 22% retention at half the runtime, and outdated within days.
            - **"Unboxing the Crema Home Duo"** — views were fine but retention was weak; the later beginner tutorial with the same machine did three times better.
            """),
    ];

    public static IReadOnlyList<TemplateSeed> AlphaTemplates { get; } =
    [
        new(
            "Standard Video Workflow",
            "The full workflow for a client explainer video: script, brand voice audit, thumbnail concepts and an SEO package ready for upload.",
            IsActive: true,
            [
                new(
                    "Script generation",
                    StepType.ScriptGeneration,
                    1,
                    AlphaWriter,
                    """
                    Write a complete video script about {topic} for this audience: {audience}. The format is {format}; fit the length, pacing and call to action to it (short-form: 45–60 seconds; long-form: 6–10 minutes). Follow the Video Script Formatting Rules and the brand voice guidelines from the knowledge base: a hook in the first 5 seconds, timestamped sections, [B-ROLL] and [ON-SCREEN] cues, and spoken sentences under 20 words. Use only approved product facts and mark anything else [CHECK CLAIM]. Return the script in your standard markdown format.
                    """),
                new(
                    "Brand voice check",
                    StepType.BrandVoiceCheck,
                    2,
                    AlphaReviewer,
                    """
                    Audit the script above about {topic} for {audience} against the Alpha Media Agency brand voice. Check every line for banned words and phrases, tone, unsupported product claims and structure (a hook within 5 seconds, timestamps, B-roll cues, one call to action). Quote each offending line exactly and suggest a rewrite. Finish with a PASS or FAIL verdict and a score out of 100 using your scoring rules.
                    """,
                    // The demo's gate (issue 11): a script below the reviewer's pass mark goes back to the writer, twice at most.
                    MinScore: 80, OnBelow: BelowMinScore.Revise, MaxRevisions: 2),
                new(
                    "Thumbnail concept",
                    StepType.ThumbnailConcept,
                    3,
                    AlphaDesigner,
                    """
                    Propose three thumbnail concepts for the video about {topic}, aimed at {audience}. Base them on the script and the reviewer's notes above, and follow the Thumbnail Visual Style Guide: brand colours with hex codes, a text overlay of at most 4 words, one focal point and the bottom-right corner kept clear. Use the click-through rates by thumbnail style in the analytics documents to recommend which concept to publish first.
                    """),
                new(
                    "SEO optimization",
                    StepType.SeoOptimization,
                    4,
                    AlphaSeo,
                    """
                    Create the SEO package for the video about {topic} for {audience} ({format}). Use the final script's timestamps for the chapters and the search terms in the analytics documents for keywords. Deliver three title options of at most 60 characters with their character counts, a description whose first 150 characters work as a search snippet, chapters starting at 0:00, 10 to 15 tags and exactly three hashtags.
                    """),
            ]),
        new(
            "Quick Social Clip",
            "A fast two-step workflow for a 45–60 second TikTok, Reel or Short: a vertical script, then a brand voice check.",
            IsActive: true,
            [
                new(
                    "Short script",
                    StepType.ScriptGeneration,
                    1,
                    AlphaWriter,
                    """
                    Write a 45–60 second vertical video script about {topic} for {audience}, to be published as {format}. Follow the Short-Form Video Rules: the hook lands in under 2 seconds, 110–150 spoken words, one idea only, an [ON-SCREEN] caption of six words or fewer for every line, a cut cue every 2–3 seconds, and an ending that loops back to the hook. Use only approved product facts.
                    """),
                new(
                    "Brand voice check",
                    StepType.BrandVoiceCheck,
                    2,
                    AlphaReviewer,
                    """
                    Audit the short-form script above about {topic} for {audience}. Apply the usual brand voice checks (banned words, tone, unsupported claims) plus the short-form rules: a hook in under 2 seconds, captions on every line, at most one soft call to action and #ad for sponsored clips. Quote each offending line, suggest a rewrite, and give a PASS or FAIL verdict with a score out of 100.
                    """),
            ]),
    ];

    public static IReadOnlyList<AgentSeed> BetaAgents { get; } =
    [
        new(
            BetaWriter,
            AgentRole.Writer,
            """
            You are the Newsletter Writer at Beta Studio, a small independent studio that produces the weekly podcast "Marginal Gains" and its companion newsletter "The Sunday Margin", both about work, money and small business for people who would rather not be lectured. You turn an episode topic into show notes and a newsletter section that listeners actually read.

            Rules you always follow:
            - British spelling and usage throughout: organise, colour, programme, favourite, licence (noun).
            - Dry, understated humour. One good joke is better than four adequate ones; never use exclamation marks.
            - Be useful first. Every section gives the reader something concrete: a figure, a tool, a question to ask their accountant.
            - No clichés from the house style banned list, no "in this episode we dive into", no "deep dive" at all.
            - Attribute every claim to the guest or a named source; mark anything you cannot attribute [SOURCE?].
            - Keep paragraphs to three sentences and the whole piece between 350 and 550 words.

            Output format (markdown):
            ## Headline
            Under 70 characters, no puns that need explaining.
            ## Standfirst
            Two sentences: what the episode is about and why this audience should care.
            ## Show notes
            Three to five timestamped bullets (e.g. **04:12** — the guest explains day rates) with one sentence each.
            ## Newsletter section
            The main piece, in short paragraphs.
            ## Links mentioned
            A bulleted list of placeholders: [Link: description].
            """,
            0.7,
            IsDefault: true),
        new(
            BetaReviewer,
            AgentRole.Reviewer,
            """
            You are the Editorial Reviewer at Beta Studio. You check show notes and newsletter drafts against the house style before they are published to listeners and subscribers. You have the patience of a good sub-editor and the same dislike of padding.

            Check, in this order:
            1. Spelling and usage — British spelling throughout (organise, colour, programme), the house style for numbers, dates and titles, and no Americanisms in idiom ("reach out", "circle back").
            2. Banned phrases from the house style, including "deep dive", "unpack", "game-changer", "in this episode we", and any exclamation mark.
            3. Tone — dry and understated, never smug, never mean about a guest or a listener. Jokes must not get in the way of the information.
            4. Accuracy — every figure and claim is attributed to the guest or a named source; flag [SOURCE?] items that are still open.
            5. Format — headline under 70 characters, a two-sentence standfirst, timestamped show notes, paragraphs of three sentences or fewer.

            Output format (markdown):
            ## Verdict
            **PUBLISH**, **PUBLISH WITH EDITS** or **REWRITE** — Score: NN/100
            ## Edits
            A table with the columns: Original (quoted exactly) | Problem | Suggested edit.
            ## Notes for the writer
            At most three bullets on patterns rather than individual lines.

            Scoring: start at 100; subtract 5 per spelling or style slip, 10 per banned phrase and 15 per unattributed claim. Below 70 is REWRITE; 70–89 is PUBLISH WITH EDITS. Do not rewrite the piece yourself.
            """,
            0.2,
            IsDefault: true),
    ];

    public static IReadOnlyList<KnowledgeSeed> BetaKnowledge { get; } =
    [
        new(
            "House Style: Voice and Spelling",
            KnowledgeCategory.BrandVoice,
            """
            # House Style: Voice and Spelling

            Beta Studio sounds like a well-read friend at the pub who happens to understand tax returns: dry, precise and faintly amused, never loud. Our audience is freelancers, small business owners and people thinking about going independent, mostly in the UK, mostly 28 to 45, and allergic to hustle culture.

            ## Voice
            - Understated. We say "this is quite a big deal" when something is a very big deal.
            - Dry humour, used sparingly. The joke is in the observation, not in the punctuation. No exclamation marks, ever.
            - Generous to guests. We can tease an idea; we never mock a person.
            - Useful first. If a paragraph does not give the reader something they can use, it is a paragraph too many.

            ## Spelling and usage
            - British spelling: organise, realise, colour, favourite, programme (but "computer program"), licence (noun) and license (verb).
            - Dates as 14 March 2025; times as 9am and 6.30pm; numbers one to nine in words, 10 and above in figures; money as £1,200 and £4.5m.
            - Titles of podcasts and books in italics; episode titles in quotation marks.
            - Single quotation marks for quotes, double for quotes within quotes.

            ## Banned phrases
            "deep dive", "unpack", "game-changer", "hustle", "crushing it", "reach out", "circle back", "in this episode we", "without further ado", "let's get into it", "level up", and any sentence beginning with "So,".

            ## Preferred alternatives
            - "look at" or "go through" rather than "unpack".
            - "get in touch" or "email" rather than "reach out".
            - "useful", "sensible" or "worth doing" rather than any word ending in "-changer".

            ## Quick test
            Would a tired listener on a Sunday morning read to the end? If the answer is "probably not", cut a third and try again.
            """),
        new(
            "Show Notes Format",
            KnowledgeCategory.StyleGuide,
            """
            # Show Notes Format

            Show notes appear on the podcast page, in podcast apps and, lightly edited, in the Sunday newsletter. Apps cut the description after about 250 characters, so the start has to stand on its own.

            ## Structure
            1. **Headline** — under 70 characters. Plain beats clever: "How to set your day rate as a new freelancer" beats "Rate Expectations".
            2. **Standfirst** — two sentences. The first says what the episode covers; the second says who it is for and what they will get out of it.
            3. **Guest line** — name, what they do, one detail that makes them worth hearing. No full CV.
            4. **Timestamps** — three to five bullets, formatted **MM:SS** — one sentence each. Timestamps point at the useful bits, not the introductions.
            5. **Links mentioned** — every book, tool, report and website named in the episode, in the order they come up.
            6. **Sign-off** — one line pointing to the newsletter or the next episode. One ask only.

            ## Newsletter version
            - 350–550 words, paragraphs of three sentences or fewer.
            - Lead with the single most useful idea from the episode, not with the guest's biography.
            - Include one figure or example the listener can reuse, attributed to the guest.
            - End with a question readers can reply to; replies are our best source of future episode topics.

            ## Formatting details
            - Sentence case for headlines and subheadings.
            - Guest quotes no longer than two sentences.
            - No emoji in show notes; one is tolerated in the newsletter subject line, under protest.
            """),
        new(
            "Listener Survey Notes",
            KnowledgeCategory.Analytics,
            """
            # Listener Survey Notes

            Results of the spring listener survey (1,184 responses, about 9% of regular listeners) and the newsletter figures for the same quarter.

            ## Who listens
            - 71% live in the UK, 9% in Ireland, the rest mainly in the Netherlands, Australia and Canada.
            - Ages: 18–27 (12%), 28–35 (34%), 36–45 (31%), 46–55 (16%), 56+ (7%).
            - 48% are freelancers or sole traders, 22% run a small business with staff, 19% are employed but "thinking about it", 11% are just nosy (their word).

            ## How they listen
            - 64% listen while commuting, walking or doing chores; only 8% look at show notes while listening.
            - 57% open the show notes afterwards, mainly for links (81% of those).
            - Median listening completion is 74%; episodes over 50 minutes drop to 61%.

            ## What they want more of
            1. Money: pricing, day rates, tax, pensions for the self-employed.
            2. Clients: contracts, late payment, saying no.
            3. Guests who admit what went wrong.
            Least wanted: productivity routines (several respondents used the phrase "morning routine" as a threat).

            ## Newsletter
            - 14,200 subscribers; average open rate 52%, click rate 7.4%.
            - Subject lines that are plain questions ("Should you charge by the day?") open 9 points higher than clever ones.
            - Issues between 400 and 550 words have the most clicks; over 800 words, clicks halve.
            - The most clicked link type is a template or calculator the guest mentioned.
            """),
    ];

    public static IReadOnlyList<TemplateSeed> BetaTemplates { get; } =
    [
        new(
            "Podcast Show Notes",
            "Turns an episode topic into publish-ready show notes and a newsletter section, then checks them against the house style.",
            IsActive: true,
            [
                new(
                    "Show notes draft",
                    StepType.ScriptGeneration,
                    1,
                    BetaWriter,
                    """
                    Write the show notes and newsletter section for this week's episode about {topic}, for listeners who are {audience}. Follow the Show Notes Format and the house style: British spelling, dry and understated tone, a headline under 70 characters, a two-sentence standfirst, three to five timestamped bullets and a list of links mentioned. Lead the newsletter section with the single most useful idea and attribute every figure.
                    """),
                new(
                    "Editorial review",
                    StepType.BrandVoiceCheck,
                    2,
                    BetaReviewer,
                    """
                    Review the show notes and newsletter draft above about {topic} for an audience of {audience}. Check British spelling, the house style for numbers and dates, banned phrases, tone, unattributed claims and the Show Notes Format. Quote each problem exactly with a suggested edit, then give a PUBLISH, PUBLISH WITH EDITS or REWRITE verdict with a score out of 100.
                    """),
            ]),
    ];
}
