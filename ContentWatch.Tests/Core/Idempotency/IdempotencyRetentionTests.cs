using System.Text;
using ContentWatch.Core.Idempotency;
using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ContentWatch.Tests.Core.Idempotency;

/// <summary>
/// How long <see cref="IdempotencyStore"/> keeps a key's answer with the default settings (decision 0010: 24 hours),
/// on a clock the test moves, against a real SQLite file brought up by the migrations.
/// </summary>
public sealed class IdempotencyRetentionTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>
{
    private static readonly DateTimeOffset Created = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheDefaultRetention_IsTwentyFourHours()
    {
        Assert.Equal(TimeSpan.FromHours(24), new IdempotencyOptions().Retention);
    }

    [Fact]
    public async Task ARecord_ExpiresTwentyFourHoursAfterItWasCreated_AndReplaysUntilJustBefore()
    {
        var clock = new MovableClock(Created);
        var store = new IdempotencyStore(database, Options.Create(new IdempotencyOptions()), clock);
        var (user, scope, key, fingerprint) = ("user-retention", "POST /api/test", Guid.NewGuid().ToString(), IdempotencyStore.Fingerprint("body"));

        var first = await store.BeginAsync(user, scope, key, fingerprint, Ct);
        Assert.Equal(IdempotencyDecision.Started, first.Decision);
        await store.CompleteAsync(first, new IdempotentResponse(201, "application/json", "/runs/1", Encoding.UTF8.GetBytes("{\"id\":1}")), Ct);

        await using (var db = database.CreateDbContext())
        {
            var record = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key, Ct);
            Assert.Equal(Created.UtcDateTime.Ticks, record.StartedAt.Ticks);
            Assert.Equal(Created.UtcDateTime.AddHours(24).Ticks, record.ExpiresAt.Ticks);
        }

        // A millisecond before the day is out the answer is still the first one, byte for byte.
        clock.Now = Created.AddHours(24).AddMilliseconds(-1);
        var lastReplay = await store.BeginAsync(user, scope, key, fingerprint, Ct);
        Assert.Equal(IdempotencyDecision.Replay, lastReplay.Decision);
        Assert.Equal((201, "/runs/1", "{\"id\":1}"),
            (lastReplay.Response!.StatusCode, lastReplay.Response.Location, Encoding.UTF8.GetString(lastReplay.Response.Body)));
        Assert.Equal(0, await store.DeleteExpiredAsync(Ct));

        // At 24 hours the key is free again: the same request is a new one, whose own day starts now.
        clock.Now = Created.AddHours(24);
        var afresh = await store.BeginAsync(user, scope, key, fingerprint, Ct);
        Assert.Equal(IdempotencyDecision.Started, afresh.Decision);
        Assert.NotEqual(first.Owner, afresh.Owner);
        await using (var db = database.CreateDbContext())
        {
            var record = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key, Ct);
            Assert.Equal(Created.UtcDateTime.AddHours(48).Ticks, record.ExpiresAt.Ticks);
            Assert.Null(record.CompletedAt);
        }
    }

    [Fact]
    public async Task AnExpiredRecord_IsDeletedByTheCleanupAtTwentyFourHours_NotBefore()
    {
        var clock = new MovableClock(Created);
        var store = new IdempotencyStore(database, Options.Create(new IdempotencyOptions()), clock);
        var key = Guid.NewGuid().ToString();
        var claim = await store.BeginAsync("user-cleanup", "POST /api/test", key, IdempotencyStore.Fingerprint("body"), Ct);
        await store.CompleteAsync(claim, new IdempotentResponse(202, null, null, []), Ct);

        clock.Now = Created.AddHours(23).AddMinutes(59);
        await store.DeleteExpiredAsync(Ct);
        Assert.True(await RecordExistsAsync(key));

        clock.Now = Created.AddHours(24);
        Assert.True(await store.DeleteExpiredAsync(Ct) >= 1);
        Assert.False(await RecordExistsAsync(key));
    }

    private async Task<bool> RecordExistsAsync(string key)
    {
        await using var db = database.CreateDbContext();
        return await db.IdempotencyRecords.AnyAsync(r => r.Key == key, Ct);
    }

    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
