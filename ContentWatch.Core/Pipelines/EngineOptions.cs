using System.ComponentModel.DataAnnotations;

namespace ContentWatch.Core.Pipelines;

/// <summary>How runs are executed (<c>Engine:*</c>).</summary>
public sealed class EngineOptions
{
    public const string SectionName = "Engine";

    /// <summary>Names this process in execution leases; defaults to machine name and process id.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// How long an executing process's claim on a run holds without renewal. A process that dies loses
    /// its runs after this long, and another process (or the restarted one) resumes them.
    /// </summary>
    [Range(2, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How often each node looks for runs whose executor died, and for runs never picked up.</summary>
    [Range(1, 3600)]
    public int RecoveryIntervalSeconds { get; set; } = 15;

    /// <summary>Step output reaches the database at most this often while it streams (and at the end).</summary>
    [Range(10, 60_000)]
    public int PersistIntervalMs { get; set; } = 250;

    /// <summary>
    /// Runs this process executes at once: its executor slots (the Quartz thread pool). Runs beyond it wait,
    /// pending, and start as slots free up (docs/decisions/0009).
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentRuns { get; set; } = 16;

    /// <summary>
    /// Runs of one organization executing at once, counted over every node on the database, so that one
    /// organization's backlog cannot take every slot. When a slot frees, the next run comes from the organization
    /// with the fewest runs executing, and within an organization the oldest run goes first.
    /// </summary>
    [Range(1, 1000)]
    public int MaxConcurrentRunsPerOrganization { get; set; } = 4;
}
