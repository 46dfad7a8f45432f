using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Retrieval;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Retrieval;

/// <summary>
/// ARCHITECTURE.md §4, the retrieval contract: the rule on hand-made documents, the fast retriever against
/// <see cref="RetrievalRule"/> (the rule written out plainly, pinned by <see cref="RetrievalRuleTests"/>), and edits (this process's and another node's) seen by the
/// next retrieval. "Another node" is another process writing through its own context: its own connection and
/// clock, and the organization's knowledge version moved by that context's SaveChanges in the same transaction
/// (<see cref="AsAnotherNodeAsync"/>), with no retriever of this process told.
/// </summary>
public sealed class KnowledgeRetrieverTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly KnowledgeRetriever _retriever = new(database);

    // ---- The rule on hand-made documents -------------------------------------------------------------

    [Fact]
    public async Task Retrieve_WordInTitle_Adds10AndContentOccurrencesAddOneEach()
    {
        var org = await database.CreateOrganizationAsync();
        var inTitle = await AddAsync(org, "Coffee basics", "nothing relevant here");
        var inContent = await AddAsync(org, "Other", "coffee, coffee and more coffee");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "coffee", 5);

        Assert.Equal([(inTitle, 12), (inContent, 5)], ranked.Select(d => (d.DocumentId, d.Score)));
    }

    [Fact]
    public async Task Retrieve_CountsSubstringsNonOverlapping_BrandInsideBrandsAndRebrand()
    {
        var org = await database.CreateOrganizationAsync();
        var brands = await AddAsync(org, "Guide", "Our brands rebrand the brand.");
        var letters = await AddAsync(org, "Letters", "aaaaaaaaa");

        var brand = await RetrieveAsync(org, StepType.ScriptGeneration, "brand", 1);
        var aaaa = await RetrieveAsync(org, StepType.ScriptGeneration, "aaaa", 1);

        Assert.Equal((brands, 2 + 3), (brand[0].DocumentId, brand[0].Score));
        // "aaaa" twice in nine a's: occurrences do not overlap (Python's str.count).
        Assert.Equal((letters, 2 + 2), (aaaa[0].DocumentId, aaaa[0].Score));
    }

    [Fact]
    public async Task Retrieve_IgnoresWordsOfThreeCharactersOrFewer()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "The cat sat", "the cat sat on the mat with the tone");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "the cat sat mat on tone", 1);

        Assert.Equal((id, 2 + 1), (ranked[0].DocumentId, ranked[0].Score));
    }

    [Fact]
    public async Task Retrieve_IsCaseInsensitive()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "BRAND Voice", "Brand BRAND bRaNd");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "bRAnd", 1);

        Assert.Equal((id, 2 + 10 + 3), (ranked[0].DocumentId, ranked[0].Score));
    }

    [Fact]
    public async Task Retrieve_DuplicatedQueryWordsCountEachTime()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "Brand", "brand brand");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "brand Brand BRAND", 1);

        Assert.Equal((id, 2 + 3 * (10 + 2)), (ranked[0].DocumentId, ranked[0].Score));
    }

    [Fact]
    public async Task Retrieve_SplitsOnAnyWhiteSpaceAndMatchesAcrossPunctuation()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "Tone", "voice,voice\tvoice\nvoice\u00A0(voice)");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "  voice\t\n", 1);

        Assert.Equal((id, 2 + 5), (ranked[0].DocumentId, ranked[0].Score));
    }

    [Theory]
    [InlineData(StepType.ScriptGeneration, new[] { KnowledgeCategory.BrandVoice, KnowledgeCategory.Reference })]
    [InlineData(StepType.BrandVoiceCheck, new[] { KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide })]
    [InlineData(StepType.ThumbnailConcept, new[] { KnowledgeCategory.StyleGuide, KnowledgeCategory.Reference })]
    [InlineData(StepType.SeoOptimization, new[] { KnowledgeCategory.Analytics, KnowledgeCategory.Reference })]
    [InlineData(null, new[] { KnowledgeCategory.BrandVoice, KnowledgeCategory.StyleGuide })]
    public async Task Retrieve_SearchesOnlyTheStepTypesCategories(StepType? stepType, KnowledgeCategory[] expected)
    {
        var org = await database.CreateOrganizationAsync();
        foreach (var category in Enum.GetValues<KnowledgeCategory>())
        {
            await AddAsync(org, $"{category} guide", "guide", category);
        }

        var ranked = await RetrieveAsync(org, stepType, "guide", 10);

        Assert.Equal(expected.Order(), ranked.Select(d => d.Category).Order());
        Assert.Equal(expected, RetrievalRule.CategoriesFor(stepType));
        Assert.All(ranked, d => Assert.Equal(2 + 10 + 1, d.Score));
    }

    [Fact]
    public async Task Retrieve_ByDefault_ReturnsTheTopTwoWithTiesNewestFirst()
    {
        var org = await database.CreateOrganizationAsync();
        var first = await AddAsync(org, "A", "tone");
        var second = await AddAsync(org, "B", "tone");
        var third = await AddAsync(org, "C", "tone");
        var best = await AddAsync(org, "D", "tone tone");

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "tone");

        Assert.Equal([best, third], ranked.Select(d => d.DocumentId));
        var all = await RetrieveAsync(org, StepType.ScriptGeneration, "", 10);
        Assert.Equal([best, third, second, first], all.Select(d => d.DocumentId));
        Assert.All(all, d => Assert.Equal(RetrievalRule.BaseScore, d.Score));
    }

    [Fact]
    public async Task Retrieve_ReturnsTitleCategoryAndTextOfTheDocument()
    {
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "Thumbnail Rules", "Faces sell thumbnails.", KnowledgeCategory.StyleGuide);

        var ranked = await RetrieveAsync(org, StepType.ThumbnailConcept, "thumbnail faces", 1);

        Assert.Equal(new RetrievedDocument(id, "Thumbnail Rules", KnowledgeCategory.StyleGuide, 2 + 10 + 1 + 1, "Faces sell thumbnails."), ranked.Single());
    }

    [Fact]
    public async Task Retrieve_WithAnEmptyKnowledgeBase_ReturnsNothing()
    {
        var org = await database.CreateOrganizationAsync();
        var other = await database.CreateOrganizationAsync();
        await AddAsync(other, "Brand voice", "brand voice", KnowledgeCategory.BrandVoice);

        Assert.Empty(await RetrieveAsync(org, StepType.ScriptGeneration, "brand voice", 2));
        Assert.Empty(await RetrieveAsync(org, null, "", 2));
    }

    // ---- The fast retriever equals RetrievalRule ---------------------------------------------------------

    [Fact]
    public async Task Retrieve_OnRandomDocumentsAndQueries_EqualsAPlainImplementationOfTheRule()
    {
        var random = new Random(20261129);
        var org = await database.CreateOrganizationAsync();
        await using (var db = database.CreateDbContext())
        {
            db.KnowledgeDocuments.AddRange(Enumerable.Range(0, 300).Select(_ => RandomDocument(random, org)));
            await db.SaveChangesAsync(Ct);
        }

        await AssertRandomQueriesMatchAsync(random, org, 250);
    }

    [Fact]
    public async Task Retrieve_AfterRandomEditsByThisProcessAndAnotherNode_StillEqualsTheRule()
    {
        var random = new Random(4242);
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        await using (var db = database.CreateDbContext())
        {
            db.KnowledgeDocuments.AddRange(Enumerable.Range(0, 300).Select(_ => RandomDocument(random, org)));
            await db.SaveChangesAsync(Ct);
        }
        await AssertRandomQueriesMatchAsync(random, org, 20);

        for (var round = 0; round < 12; round++)
        {
            if (round == 6)
            {
                // Another node rewrites every document: more than an incremental refresh takes, so a rebuild.
                await AsAnotherNodeAsync(org, async node =>
                {
                    var now = DateTime.UtcNow;
                    foreach (var document in await node.KnowledgeDocuments.Where(k => k.OrganizationId == org).ToListAsync(Ct))
                    {
                        (document.Content, document.UpdatedAt) = (document.Title + " " + document.Content, now);
                    }
                    await node.SaveChangesAsync(Ct);
                });
            }
            var edits = random.Next(1, 8);
            for (var e = 0; e < edits; e++)
            {
                await RandomEditAsync(random, org, knowledge, viaOtherNode: random.Next(2) == 0);
            }
            await AssertRandomQueriesMatchAsync(random, org, 20);
        }
    }

    // ---- Edits are seen by the next retrieval ------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retrieve_AfterATitleChange_SeesTheNewTitle(bool viaOtherNode)
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var id = await AddAsync(org, "Lighting", "keep it warm");
        var other = await AddAsync(org, "Framing", "keep it warm warm");
        Assert.Equal(other, (await RetrieveAsync(org, StepType.ScriptGeneration, "espresso warm", 1))[0].DocumentId);

        await ReplaceAsync(knowledge, viaOtherNode, org, id, "Espresso lighting", "keep it warm", KnowledgeCategory.BrandVoice);

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "espresso warm", 2);
        Assert.Equal([(id, "Espresso lighting", 2 + 10 + 1), (other, "Framing", 2 + 2)], ranked.Select(d => (d.DocumentId, d.Title, d.Score)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retrieve_AfterAContentChange_SeesTheNewContent(bool viaOtherNode)
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var id = await AddAsync(org, "Lighting", "soft light");
        Assert.Equal(2 + 10 + 1, (await RetrieveAsync(org, StepType.ScriptGeneration, "light", 1))[0].Score);

        await ReplaceAsync(knowledge, viaOtherNode, org, id, "Lighting", "light, light, lighter, lightest", KnowledgeCategory.BrandVoice);

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "light", 1);
        Assert.Equal((2 + 10 + 4, "light, light, lighter, lightest"), (ranked[0].Score, ranked[0].Content));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retrieve_AfterACategoryChange_FindsTheDocumentOnlyInItsNewCategory(bool viaOtherNode)
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var id = await AddAsync(org, "Keywords", "keywords first", KnowledgeCategory.BrandVoice);
        Assert.Single(await RetrieveAsync(org, StepType.BrandVoiceCheck, "keywords", 5));
        Assert.Empty(await RetrieveAsync(org, StepType.SeoOptimization, "keywords", 5));

        await ReplaceAsync(knowledge, viaOtherNode, org, id, "Keywords", "keywords first", KnowledgeCategory.Analytics);

        Assert.Empty(await RetrieveAsync(org, StepType.BrandVoiceCheck, "keywords", 5));
        Assert.Equal(KnowledgeCategory.Analytics, (await RetrieveAsync(org, StepType.SeoOptimization, "keywords", 5)).Single().Category);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retrieve_AfterADelete_NoLongerReturnsTheDocument(bool viaOtherNode)
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var gone = await AddAsync(org, "Tone", "tone tone tone");
        var kept = await AddAsync(org, "Tone too", "tone");
        Assert.Equal(gone, (await RetrieveAsync(org, StepType.ScriptGeneration, "tone", 1))[0].DocumentId);

        if (viaOtherNode)
        {
            await AsAnotherNodeAsync(org, node => DeleteAsync(node, gone));
        }
        else
        {
            Assert.True((await knowledge.DeleteAsync(org, gone, await database.AdminOfAsync(org), Ct)).Succeeded);
        }

        Assert.Equal([kept], (await RetrieveAsync(org, StepType.ScriptGeneration, "tone", 5)).Select(d => d.DocumentId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retrieve_AfterAnAdd_ReturnsTheNewDocument(bool viaOtherNode)
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var old = await AddAsync(org, "Hooks", "hook the viewer");
        Assert.Equal(old, (await RetrieveAsync(org, StepType.ScriptGeneration, "hook", 1))[0].DocumentId);

        int added;
        if (viaOtherNode)
        {
            var document = Document(org, "Hook library", "hook hook hook", KnowledgeCategory.Reference);
            await AsAnotherNodeAsync(org, node =>
            {
                node.KnowledgeDocuments.Add(document);
                return node.SaveChangesAsync(Ct);
            });
            added = document.Id;
        }
        else
        {
            added = (await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("Hook library", "hook hook hook", "reference"), Ct)).Value!.Id;
        }

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "hook", 2);
        Assert.Equal([(added, 2 + 10 + 3), (old, 2 + 10 + 1)], ranked.Select(d => (d.DocumentId, d.Score)));
    }

    [Fact]
    public async Task Retrieve_AfterAnotherNodeWritesAnOlderTimestamp_StillSeesTheEdit()
    {
        // Clocks of nodes differ: a "newest UpdatedAt" watermark would miss this edit.
        var org = await database.CreateOrganizationAsync();
        var id = await AddAsync(org, "Pacing", "slow");
        await AddAsync(org, "Newest", "fast");
        await RetrieveAsync(org, StepType.ScriptGeneration, "pacing", 1);

        await AsAnotherNodeAsync(org, async node =>
        {
            var document = await node.KnowledgeDocuments.SingleAsync(k => k.Id == id, Ct);
            document.Content = "pacing pacing";
            document.UpdatedAt = document.UpdatedAt.AddMinutes(-5);
            await node.SaveChangesAsync(Ct);
        });

        Assert.Equal(2 + 10 + 2, (await RetrieveAsync(org, StepType.ScriptGeneration, "pacing", 1))[0].Score);
    }

    [Fact]
    public async Task Retrieve_AfterAnEditThatKeepsTheTimestamp_SeesItBecauseKnowledgeBaseInvalidates()
    {
        var clock = new FrozenClock(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var knowledge = new KnowledgeBase(database, clock, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var org = await database.CreateOrganizationAsync();
        var id = (await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("Intro", "greet", "brand_voice"), Ct)).Value!.Id;
        await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet", "brand_voice"), Ct);
        Assert.Equal(2 + 2, (await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1))[0].Score);

        await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet greet", "brand_voice"), Ct);

        var ranked = await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1);
        Assert.Equal((2 + 3, "greet greet greet"), (ranked[0].Score, ranked[0].Content));
    }

    [Fact]
    public async Task Invalidate_ManyMoreDocumentsThanItKeeps_StaysBoundedAndStillSeesEditsThatKeepTheTimestamp()
    {
        var clock = new FrozenClock(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var knowledge = new KnowledgeBase(database, clock, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var org = await database.CreateOrganizationAsync();
        var id = (await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("Intro", "greet", "brand_voice"), Ct)).Value!.Id;
        Assert.Equal(2 + 1, (await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1))[0].Score);

        // The edit's own forced re-read is among those dropped by the flood that follows it.
        await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet", "brand_voice"), Ct);
        FloodInvalidations(org, id);
        Assert.InRange(_retriever.ForcedCount(org), 1, ForcedReloads.Capacity);
        Assert.Equal(2 + 2, (await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1))[0].Score);

        FloodInvalidations(org, id);
        await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet greet", "brand_voice"), Ct);
        Assert.InRange(_retriever.ForcedCount(org), 1, ForcedReloads.Capacity);
        Assert.Equal(2 + 3, (await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1))[0].Score);

        // What a long-lived process tells its retriever after writing many other documents.
        void FloodInvalidations(int organization, int except)
        {
            for (var other = 1; other <= 3 * ForcedReloads.Capacity + 7; other++)
            {
                _retriever.Invalidate(organization, except + other);
            }
        }
    }

    [Fact]
    public async Task Retrieve_ConcurrentlyWithEdits_AlwaysReturnsScoresOfTheReturnedTextsAndEndsCurrent()
    {
        var random = new Random(77);
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        await using (var db = database.CreateDbContext())
        {
            db.KnowledgeDocuments.AddRange(Enumerable.Range(0, 200).Select(_ => RandomDocument(random, org)));
            await db.SaveChangesAsync(Ct);
        }
        var queries = Enumerable.Range(0, 16).Select(_ => RandomQuery(random)).ToList();

        var editing = Task.Run(async () =>
        {
            var editRandom = new Random(78);
            for (var i = 0; i < 40; i++)
            {
                await RandomEditAsync(editRandom, org, knowledge, viaOtherNode: i % 2 == 0);
            }
        }, Ct);
        var readers = Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                var query = queries[(r + i) % queries.Count];
                foreach (var document in await _retriever.RetrieveAsync(org, StepType.ScriptGeneration, query, 3, Ct))
                {
                    Assert.Equal(RetrievalRule.Score(document.Title, document.Content, RetrievalRule.QueryWords(query)), document.Score);
                }
            }
        }, Ct)).ToList();
        await Task.WhenAll([editing, .. readers]);

        foreach (var query in queries)
        {
            await AssertMatchesRuleAsync(org, StepType.ScriptGeneration, query, 1000);
        }
    }

    [Fact]
    public async Task Retrieve_ManyAtOnceOnAColdCache_BuildsEachCategoryOnce()
    {
        var org = await database.CreateOrganizationAsync();
        await AddAsync(org, "Voice", "voice", KnowledgeCategory.BrandVoice);
        await AddAsync(org, "Sources", "voice sources", KnowledgeCategory.Reference);
        var cold = new KnowledgeRetriever(database);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            Task.Run(() => cold.RetrieveAsync(org, StepType.ScriptGeneration, "voice", 2, Ct), Ct)));

        Assert.Equal(2, cold.Builds);
        Assert.All(results, r => Assert.Equal(["Voice", "Sources"], r.Select(d => d.Title)));
    }

    // ---- Freshness: the organization's knowledge version -------------------------------------------------

    [Fact]
    public async Task KnowledgeBase_EveryWrite_BumpsTheOrganizationsKnowledgeVersionOnlyForItsOrganization()
    {
        var org = await database.CreateOrganizationAsync();
        var other = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        Assert.Equal((0, 0), (await VersionAsync(org), await VersionAsync(other)));

        var id = (await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("Intro", "greet", "brand_voice"), Ct)).Value!.Id;
        Assert.Equal(1, await VersionAsync(org));
        Assert.True((await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet", "reference"), Ct)).Succeeded);
        Assert.Equal(2, await VersionAsync(org));
        Assert.True((await knowledge.DeleteAsync(org, id, await database.AdminOfAsync(org), Ct)).Succeeded);
        Assert.Equal(3, await VersionAsync(org));

        // Nothing written, nothing bumped: a refused input, a missing document, another organization's id.
        Assert.False((await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("", "x", "brand_voice"), Ct)).Succeeded);
        Assert.False((await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "x", "brand_voice"), Ct)).Succeeded);
        Assert.False((await knowledge.DeleteAsync(org, id, await database.AdminOfAsync(org), Ct)).Succeeded);
        Assert.Equal((3, 0), (await VersionAsync(org), await VersionAsync(other)));
    }

    [Fact]
    public async Task Retrieve_AfterUnrelatedCommits_DoesNotReReadTheCategory()
    {
        var org = await database.CreateOrganizationAsync();
        var knowledge = new KnowledgeBase(database, TimeProvider.System, _retriever, new OrganizationAccess(database, new MembershipChanges()));
        var id = (await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new("Intro", "greet", "brand_voice"), Ct)).Value!.Id;
        var before = await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1);
        var (builds, checks) = (_retriever.Builds, _retriever.Checks);

        // What the engine commits between steps: an agent updated, another organization's knowledge written.
        await using (var db = database.CreateDbContext())
        {
            db.Agents.Add(new AgentProfile
            {
                OrganizationId = org, Name = "Writer", Role = AgentRole.Writer, SystemPrompt = "Write.", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
            await db.Agents.Where(a => a.OrganizationId == org).ExecuteUpdateAsync(u => u.SetProperty(a => a.Temperature, 0.2), Ct);
        }
        var otherOrg = await database.CreateOrganizationAsync();
        await knowledge.CreateAsync(otherOrg, await database.AdminOfAsync(otherOrg), new("Intro", "greet", "brand_voice"), Ct);

        Assert.Equal(before, await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1));
        Assert.Equal((builds, checks), (_retriever.Builds, _retriever.Checks));

        // The counters do see a knowledge write: the version moved, so both categories are checked again.
        await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new("Intro", "greet greet", "brand_voice"), Ct);
        Assert.Equal(2 + 2, (await RetrieveAsync(org, StepType.ScriptGeneration, "greet", 1))[0].Score);
        Assert.Equal((builds, checks + 2), (_retriever.Builds, _retriever.Checks));
    }

    [Fact]
    public void RowQueries_ForSqlServer_AreValidTSqlWithBracketedNames()
    {
        // SQL Server cannot run here; its parser can at least read what the retriever would send it.
        using var db = new SqlServerContentWatchDbContext(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>()
            .UseSqlServer("Server=localhost;Database=ContentWatch;Integrated Security=true;TrustServerCertificate=true").Options);
        var rows = KnowledgeRows.For(db);

        foreach (var (byCategory, idCount, withText) in new (bool, int?, bool)[] { (true, null, false), (true, null, true), (true, 3, true), (false, 2, true), (false, 0, true) })
        {
            var sql = rows.CommandText(byCategory, idCount, withText);
            AssertParses(sql);
            Assert.Contains("FROM [KnowledgeDocuments]", sql, StringComparison.Ordinal);
            Assert.Contains("[UpdatedAt]", sql, StringComparison.Ordinal);
        }
        AssertParses(rows.KnowledgeVersionCommandText);
        Assert.Equal("SELECT [KnowledgeVersion] FROM [Organizations] WHERE [Id] = @organization", rows.KnowledgeVersionCommandText);

        static void AssertParses(string sql)
        {
            new Microsoft.SqlServer.TransactSql.ScriptDom.TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
            Assert.True(errors.Count == 0, $"{sql}: {string.Join("; ", errors.Select(e => e.Message))}");
        }
    }

    // ---- Helpers ------------------------------------------------------------------------------------------

    /// <summary>
    /// Retrieves and asserts that the cache alone was right: the retriever's re-read of changed documents
    /// (meant for writes racing a retrieval) must not have been needed, or it would mask a stale cache.
    /// </summary>
    private async Task<IReadOnlyList<RetrievedDocument>> RetrieveAsync(int org, StepType? stepType, string query, int top = KnowledgeRetriever.DefaultTop)
    {
        var retries = _retriever.Retries;
        var documents = await _retriever.RetrieveAsync(org, stepType, query, top, Ct);
        Assert.True(retries == _retriever.Retries, "The retriever had to re-read: its cache was stale.");
        return documents;
    }

    private async Task AssertRandomQueriesMatchAsync(Random random, int org, int count)
    {
        StepType?[] stepTypes = [.. Enum.GetValues<StepType>().Cast<StepType?>(), null];
        int[] tops = [1, 2, 3, 10, 1000];
        for (var i = 0; i < count; i++)
        {
            await AssertMatchesRuleAsync(org, stepTypes[random.Next(stepTypes.Length)], RandomQuery(random), tops[random.Next(tops.Length)]);
        }
    }

    private async Task AssertMatchesRuleAsync(int org, StepType? stepType, string query, int top)
    {
        var actual = await RetrieveAsync(org, stepType, query, top);
        List<KnowledgeDocument> documents;
        await using (var db = database.CreateDbContext())
        {
            documents = await db.KnowledgeDocuments.AsNoTracking().Where(k => k.OrganizationId == org).ToListAsync(Ct);
        }
        var expected = RetrievalRule.Rank(documents, stepType, query, top);
        Assert.True(expected.SequenceEqual(actual),
            $"Query '{query}' ({stepType}, top {top}):\n expected {string.Join(", ", expected.Select(d => $"{d.DocumentId}:{d.Score}"))}"
            + $"\n actual   {string.Join(", ", actual.Select(d => $"{d.DocumentId}:{d.Score}"))}");
    }

    // Words chosen to hit the rule's corners: substrings (brand/brands/rebrand), repeats inside a token
    // (aaaa in aaaaaaaaa), case, punctuation, non-ASCII letters whose lower case differs, short words.
    private static readonly string[] Vocabulary =
    [
        "brand", "Brands", "REBRAND", "brand-voice", "(brand)", "voice", "Voice,", "tone", "tones.", "aaaa", "aaaaaaaaa",
        "espresso", "Coffee", "coffee!", "thumbnail", "Thumbnails", "keyword", "keywords", "hook", "hooks", "the", "on",
        "ab", "x", "ÉCLAIR", "éclair", "Straße", "STRASSE", "İstanbul", "ΣΊΣΥΦΟΣ", "σίσυφος", "café", "naïve", "viewer",
    ];

    private static readonly string[] Separators = [" ", " ", " ", "  ", "\t", "\n", "\u00A0", "\u2003", "", ","];

    private static string RandomText(Random random, int minWords, int maxWords)
    {
        var count = random.Next(minWords, maxWords + 1);
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(Separators[random.Next(Separators.Length)]);
        }
        return text.Length == 0 ? "x" : text.ToString();
    }

    private static string RandomQuery(Random random)
    {
        var words = Enumerable.Range(0, random.Next(0, 7)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]);
        var query = string.Join(random.Next(2) == 0 ? " " : "\t ", words);
        return random.Next(2) == 0 ? query.ToUpperInvariant() : query;
    }

    private static KnowledgeCategory RandomCategory(Random random) =>
        Enum.GetValues<KnowledgeCategory>()[random.Next(4)];

    private static KnowledgeDocument RandomDocument(Random random, int org) =>
        Document(org, RandomText(random, 1, 5), RandomText(random, 0, 80), RandomCategory(random));

    private async Task RandomEditAsync(Random random, int org, KnowledgeBase knowledge, bool viaOtherNode)
    {
        var ids = await IdsAsync(org);
        var kind = ids.Count == 0 ? 0 : random.Next(4);
        var title = RandomText(random, 1, 5).Trim();
        title = title.Length == 0 ? "Untitled" : title;
        var content = RandomText(random, 1, 80);
        var category = RandomCategory(random);
        if (kind == 0)
        {
            if (viaOtherNode)
            {
                await AsAnotherNodeAsync(org, node =>
                {
                    node.KnowledgeDocuments.Add(Document(org, title, content, category));
                    return node.SaveChangesAsync(Ct);
                });
            }
            else
            {
                Assert.True((await knowledge.CreateAsync(org, await database.AdminOfAsync(org), new(title, content, EnumNames<KnowledgeCategory>.Name(category)), Ct)).Succeeded);
            }
            return;
        }
        var id = ids[random.Next(ids.Count)];
        if (kind == 1)
        {
            if (viaOtherNode)
            {
                await AsAnotherNodeAsync(org, node => DeleteAsync(node, id));
            }
            else
            {
                await knowledge.DeleteAsync(org, id, await database.AdminOfAsync(org), Ct);
            }
            return;
        }
        await ReplaceAsync(knowledge, viaOtherNode, org, id, title, content, category);
    }

    /// <summary>Replaces a document through <see cref="KnowledgeBase"/>, or as another node's process would: its own connection, its own clock.</summary>
    private async Task ReplaceAsync(KnowledgeBase knowledge, bool viaOtherNode, int org, int id, string title, string content, KnowledgeCategory category)
    {
        if (viaOtherNode)
        {
            await AsAnotherNodeAsync(org, async node =>
            {
                var document = await node.KnowledgeDocuments.SingleOrDefaultAsync(k => k.Id == id, Ct);
                if (document is null)
                {
                    return;
                }
                (document.Title, document.Content, document.Category, document.UpdatedAt) = (title, content, category, DateTime.UtcNow);
                await node.SaveChangesAsync(Ct);
            });
        }
        else
        {
            await knowledge.UpdateAsync(org, id, await database.AdminOfAsync(org), new(title, content, EnumNames<KnowledgeCategory>.Name(category)), Ct);
        }
    }

    /// <summary>
    /// A knowledge write as another node makes it: its own connection, and the organization's knowledge version
    /// moved by its context's SaveChanges in the same transaction, as every knowledge write does. Its retriever is
    /// not this one, so nothing in this process is invalidated; the version alone must reveal the write.
    /// </summary>
    private async Task AsAnotherNodeAsync(int org, Func<ContentWatchDbContext, Task> write)
    {
        var before = await VersionAsync(org);
        await using (var node = database.OtherNodeContext())
        {
            await write(node);
        }
        Assert.True(await VersionAsync(org) > before, "Another node's knowledge write did not move the knowledge version.");
    }

    private static async Task DeleteAsync(ContentWatchDbContext node, int id)
    {
        node.KnowledgeDocuments.Remove(await node.KnowledgeDocuments.SingleAsync(k => k.Id == id, Ct));
        await node.SaveChangesAsync(Ct);
    }

    private async Task<long> VersionAsync(int org)
    {
        await using var db = database.CreateDbContext();
        return await db.Organizations.Where(o => o.Id == org).Select(o => o.KnowledgeVersion).SingleAsync(Ct);
    }

    private async Task<List<int>> IdsAsync(int org)
    {
        await using var db = database.CreateDbContext();
        return await db.KnowledgeDocuments.Where(k => k.OrganizationId == org).Select(k => k.Id).ToListAsync(Ct);
    }

    private async Task<int> AddAsync(int org, string title, string content, KnowledgeCategory category = KnowledgeCategory.BrandVoice)
    {
        await using var db = database.CreateDbContext();
        var document = Document(org, title, content, category);
        db.KnowledgeDocuments.Add(document);
        await db.SaveChangesAsync(Ct);
        return document.Id;
    }

    private static KnowledgeDocument Document(int org, string title, string content, KnowledgeCategory category)
    {
        var now = DateTime.UtcNow;
        return new KnowledgeDocument { OrganizationId = org, Title = title, Content = content, Category = category, CreatedAt = now, UpdatedAt = now };
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
