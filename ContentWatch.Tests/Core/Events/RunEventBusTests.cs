using ContentWatch.Core.Events;

namespace ContentWatch.Tests.Core.Events;

public sealed class RunEventBusTests
{
    [Fact]
    public async Task FinishedRuns_BeyondTheRetainedOnes_AreForgotten_WhileRecentAndWatchedOnesStay()
    {
        var bus = new RunEventBus(TimeProvider.System);
        using var watched = bus.Subscribe(1);
        for (var runId = 1; runId <= RunEventBus.RetainFinishedRuns + 50; runId++)
        {
            await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventTypes.RunStarted });
            await bus.PublishAsync(new RunEvent { RunId = runId, Type = RunEventTypes.RunCompleted });
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
        var bus = new RunEventBus(TimeProvider.System);

        bus.EnsureSequenceAtLeast(7, 41);
        var next = await bus.PublishAsync(new RunEvent { RunId = 7, Type = RunEventTypes.GuidanceReceived, Text = "Shorter." });

        Assert.Equal(42, next.Sequence);
    }
}
