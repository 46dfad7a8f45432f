using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Persistence;

public enum DatabaseProvider { Sqlite, SqlServer }

/// <summary>Which database holds ContentWatch's data (<c>Database:*</c>).</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary><c>Sqlite</c> (default: a file under the app's data folder) or <c>SqlServer</c>.</summary>
    [Required]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start-up (on by default; turn off when a deployment step does it).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

/// <summary>Demo organizations, users and content (<c>Seed:*</c>).</summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public bool DemoData { get; set; }

    /// <summary>Password of every demo user; required when <see cref="DemoData"/> is on.</summary>
    public string DemoPassword { get; set; } = "";
}
