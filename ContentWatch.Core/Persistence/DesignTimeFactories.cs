using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ContentWatch.Core.Persistence;

// Used by `dotnet ef migrations add … --context …` only; the app configures contexts in DatabaseExtensions.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteContentWatchDbContext>
{
    public SqliteContentWatchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteContentWatchDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerContentWatchDbContext>
{
    public SqlServerContentWatchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerContentWatchDbContext>().UseSqlServer("Server=.;Database=ContentWatch;Trusted_Connection=True").Options);
}
