using ContentWatch.Core.Domain;
using ContentWatch.Core.Events;
using ContentWatch.Tests.Infrastructure;

namespace ContentWatch.Tests.Core.Events;

public sealed class RunEventBusTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>
{
    private RunEventBus NewBus() => new(new InProcessRunEventTransport(), database, TimeProvider.System);

    [Fact]
    public async Task FinishedRuns_BeyondTheRetainedOnes_AreForgotten_WhileRecentAndWatchedOnesStay()
    {
        var bus = NewBus();
        using var watched = bus.Subscribe(1);
        for (var runId = 1; runId <= RunEventBus.RetainFinishedRuns + 50; runId++)
        {
            await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunStarted });
            await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunCompleted });
        }

        using var oldest = bus.Subscribe(2);
        using var newest = bus.Subscribe(RunEventBus.RetainFinishedRuns + 50);
        using var stillWatched = bus.Subscribe(1);

        Assert.False(oldest.RemembersWholeAttempt);
        Assert.True(newest.RemembersWholeAttempt);
        Assert.True(stillWatched.RemembersWholeAttempt);
    }

    [Fact]
    public async Task NumberingContinues_FromWhatTheRunRowSays_AfterARunWasForgotten()
    {
        var runId = await StoredRunAsync(lastEventSequence: 41);
        var bus = NewBus(); // a restarted node: it has never seen the run

        var next = await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.GuidanceReceived, Text = "Shorter." });

        Assert.Equal(42, next.Sequence);
    }

    [Fact]
    public async Task AfterACrash_TheResumedAttemptNumbersItsEventsAboveEveryIdAClientReceived()
    {
        var runId = await StoredRunAsync(lastEventSequence: 3);
        var crashed = NewBus();
        var received = new List<long>();
        // Chunks between two writes of their step: delivered, their numbers not stored yet (fewer than the executor allows).
        for (var i = 0; i < 60; i++)
        {
            received.Add((await crashed.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.ChunkReceived, Text = "x" })).Sequence);
        }

        var resumed = await NewBus().PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunStarted, Attempt = 2 });

        Assert.True(resumed.Sequence > received.Max(), $"The resumed attempt started at {resumed.Sequence}; a client had received {received.Max()}.");
    }

    [Fact]
    public void SubscriptionsToRunsWithoutEvents_LeaveNothingBehindOnceDisposed()
    {
        var bus = NewBus();
        for (var runId = 100_000; runId < 101_000; runId++)
        {
            bus.Subscribe(runId).Dispose(); // a dashboard listing idle runs, opened and closed
        }

        Assert.Equal(0, bus.TrackedRuns);
    }

    [Fact]
    public async Task GuidanceFromARequest_ContinuesAfterWhatAnotherNodeStored()
    {
        var runId = await StoredRunAsync(lastEventSequence: 3);
        var bus = NewBus();
        Assert.Equal(4, (await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.GuidanceReceived, Text = "First." })).Sequence);
        await using (var db = database.CreateDbContext())
        {
            var run = await db.Runs.FindAsync([runId], TestContext.Current.CancellationToken);
            run!.LastEventSequence = 30; // another node executed the run meanwhile, without Redis between the nodes
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var next = await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.GuidanceReceived, Text = "Second." });

        Assert.Equal(31, next.Sequence);
    }

    [Fact]
    public async Task PersistThenPublish_AWatcherReceivesTheEventOnlyAfterItsWriteIsDone()
    {
        var runId = await StoredRunAsync(lastEventSequence: 0);
        var bus = NewBus();
        using var watcher = bus.Subscribe(runId);
        var writing = new TaskCompletionSource();
        long? stored = null;

        var publishing = bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.RunCompleted }, async numbered =>
        {
            await writing.Task;
            stored = numbered.Sequence;
        }).AsTask();

        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(watcher.Reader.TryRead(out _));
        writing.SetResult();
        var published = await publishing;
        var received = await watcher.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal((published.Sequence, published.Sequence), (stored!.Value, received.Sequence));
    }

    [Fact]
    public async Task EventsPublishedConcurrently_ReachAWatcherInTheOrderOfTheirNumbers()
    {
        var runId = await StoredRunAsync(lastEventSequence: 0);
        var bus = NewBus();
        using var watcher = bus.Subscribe(runId);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventType.GuidanceReceived, Text = $"{writer}.{i}" });
            }
        }, TestContext.Current.CancellationToken)));

        var sequences = new List<long>();
        while (watcher.Reader.TryRead(out var e))
        {
            sequences.Add(e.Sequence);
        }
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), sequences);
    }

    private async Task<int> StoredRunAsync(long lastEventSequence)
    {
        var orgId = await database.CreateOrganizationAsync();
        await using var db = database.CreateDbContext();
        var user = new AppUser { UserName = $"u{Guid.NewGuid():N}@x.test", Email = $"u{Guid.NewGuid():N}@x.test" };
        var template = new PipelineTemplate { OrganizationId = orgId, Name = "T", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        db.Templates.Add(template);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var run = new PipelineRun
        {
            OrganizationId = orgId, TemplateId = template.Id, TriggeredById = user.Id, Inputs = new() { ["topic"] = "t" },
            Status = RunStatus.InProgress, LastEventSequence = lastEventSequence, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return run.Id;
    }
}
