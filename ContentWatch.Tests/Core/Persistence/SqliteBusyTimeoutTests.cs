using ContentWatch.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Tests.Core.Persistence;

/// <summary>
/// Every connection of the embedded database lets SQLite wait for the write lock itself: without it, a write
/// that meets another one sleeps 150 ms in Microsoft.Data.Sqlite (ApproveLatencyTests measured it).
/// </summary>
public sealed class SqliteBusyTimeoutTests(ContentWatchFactory factory) : IClassFixture<ContentWatchFactory>
{
    [Fact]
    public async Task EveryConnection_WaitsForTheWriteLockAsLongAsItsCommandTimeout()
    {
        await using var db = factory.CreateDbContext();

        var timeout = await db.Database.SqlQueryRaw<long>("SELECT timeout AS Value FROM pragma_busy_timeout").SingleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(30_000, timeout);
    }
}
