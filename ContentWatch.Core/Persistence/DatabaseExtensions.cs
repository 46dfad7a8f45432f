using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ContentWatch.Core.Persistence;

public static class DatabaseExtensions
{
    public const string ConnectionStringName = "ContentWatch";

    /// <summary>
    /// Registers <see cref="IDbContextFactory{ContentWatchDbContext}"/> (and a scoped context for Identity)
    /// on the provider <c>Database:Provider</c> names.
    /// </summary>
    public static IHostApplicationBuilder AddContentWatchDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        var options = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        switch (options.Provider)
        {
            case DatabaseProvider.SqlServer:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        $"Database:Provider is SqlServer but ConnectionStrings:{ConnectionStringName} is empty.");
                }
                builder.Services.AddDbContextFactory<SqlServerContentWatchDbContext>(o =>
                    o.UseSqlServer(connectionString, sql => sql.EnableRetryOnFailure()));
                builder.Services.AddSingleton<IDbContextFactory<ContentWatchDbContext>,
                    BaseContextFactory<SqlServerContentWatchDbContext>>();
                break;

            default:
                var sqlite = SqliteConnectionString(connectionString, builder.Environment.ContentRootPath);
                builder.Services.AddDbContextFactory<SqliteContentWatchDbContext>(o => o.UseSqlite(sqlite));
                builder.Services.AddSingleton<IDbContextFactory<ContentWatchDbContext>,
                    BaseContextFactory<SqliteContentWatchDbContext>>();
                break;
        }

        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ContentWatchDbContext>>().CreateDbContext());
        builder.Services.AddHostedService<DatabaseInitializer>();
        return builder;
    }

    /// <summary>
    /// The embedded default is a file under <c>App_Data</c> of the content root, created on first start.
    /// A generous busy timeout lets the background executor and the UI write to one file.
    /// </summary>
    internal static string SqliteConnectionString(string? configured, string contentRoot)
    {
        var csb = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(configured) ? "Data Source=App_Data/contentwatch.db" : configured);
        if (csb.Mode != SqliteOpenMode.Memory && !csb.DataSource.Contains(":memory:", StringComparison.Ordinal)
            && !Path.IsPathRooted(csb.DataSource))
        {
            csb.DataSource = Path.GetFullPath(Path.Combine(contentRoot, csb.DataSource));
        }
        if (csb.DefaultTimeout < 30)
        {
            csb.DefaultTimeout = 30;
        }
        return csb.ToString();
    }

    private sealed class BaseContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ContentWatchDbContext>
        where TContext : ContentWatchDbContext
    {
        public ContentWatchDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
