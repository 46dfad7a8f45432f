using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>What a creator sends to create a run: a template and its inputs (topic, audience, format, …).</summary>
public sealed record RunInput(int? TemplateId, IReadOnlyDictionary<string, string>? Inputs);

/// <summary>A page of runs.</summary>
/// <summary>A page of runs, with what each run cost (<see cref="Costs"/> by run id).</summary>
public sealed record RunPage(IReadOnlyList<PipelineRun> Items, int Page, int PageSize, int TotalCount, IReadOnlyDictionary<int, RunCost>? Costs = null)
{
    public RunCost CostOf(int runId) => Costs?.GetValueOrDefault(runId) ?? RunCost.None;
}

public enum RunSort { Created, Status, Template, Creator }

/// <summary>Which runs a history page shows: filters, order and page.</summary>
public sealed record RunQuery(
    RunStatus? Status = null, int? TemplateId = null, string? TriggeredById = null,
    RunSort SortBy = RunSort.Created, bool Descending = true, int Page = 1, int PageSize = 20);

/// <summary>What the dashboard shows about an organization's runs.</summary>
public sealed record RunDashboard(
    IReadOnlyDictionary<RunStatus, int> CountsByStatus, double? SuccessRate, TimeSpan? AverageDuration,
    IReadOnlyList<(DateOnly Day, int Runs)> RunsPerDay);

/// <summary>Pipeline runs: create, list, read, delete. Triggering and execution live beside this, in the engine.</summary>
public sealed class PipelineRuns(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, OrganizationAccess access)
{
    public const int MaxPageSize = 100;

    public async Task<Result<PipelineRun>> CreateAsync(int organizationId, string actingUserId, RunInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<PipelineRun>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var errors = new FieldErrors();
        var inputs = ValidateInputs(input.Inputs, errors);

        var template = input.TemplateId is { } templateId
            ? await db.Templates.Where(t => t.OrganizationId == organizationId && t.Id == templateId)
                .Select(t => new { t.IsActive, Steps = t.Steps.Count }).SingleOrDefaultAsync(cancellationToken)
            : null;
        if (template is null)
        {
            errors.Add("templateId", "Choose a template of this organization.");
        }
        else if (!template.IsActive)
        {
            errors.Add("templateId", "This template is not active.");
        }
        else if (template.Steps == 0)
        {
            errors.Add("templateId", "This template has no steps.");
        }
        if (errors.Any)
        {
            return errors.ToResult<PipelineRun>();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var run = new PipelineRun
        {
            OrganizationId = organizationId,
            TemplateId = input.TemplateId!.Value,
            TriggeredById = actingUserId,
            Inputs = inputs,
            Status = RunStatus.Idle,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        return Result<PipelineRun>.Ok((await GetAsync(organizationId, run.Id, cancellationToken))!);
    }

    public async Task<Result<RunPage>> ListAsync(
        int organizationId, string? status, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        var errors = new FieldErrors();
        RunStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (EnumNames<RunStatus>.TryParse(status, out var parsed))
            {
                statusFilter = parsed;
            }
            else
            {
                errors.Add("status", $"Status must be one of {string.Join(", ", EnumNames<RunStatus>.All)}.");
            }
        }
        if (page < 1)
        {
            errors.Add("page", "Page starts at 1.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"Page size must be between 1 and {MaxPageSize}.");
        }
        if (errors.Any)
        {
            return errors.ToResult<RunPage>();
        }
        return Result<RunPage>.Ok(await QueryAsync(organizationId, new RunQuery(statusFilter, Page: page, PageSize: pageSize), cancellationToken));
    }

    /// <summary>A page of the organization's runs, filtered and ordered (the UI's history).</summary>
    public async Task<RunPage> QueryAsync(int organizationId, RunQuery request, CancellationToken cancellationToken = default)
    {
        var page = Math.Max(1, request.Page);
        var pageSize = Math.Clamp(request.PageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Runs.AsNoTracking().Where(r => r.OrganizationId == organizationId);
        if (request.Status is { } s)
        {
            query = query.Where(r => r.Status == s);
        }
        if (request.TemplateId is { } templateId)
        {
            query = query.Where(r => r.TemplateId == templateId);
        }
        if (!string.IsNullOrEmpty(request.TriggeredById))
        {
            query = query.Where(r => r.TriggeredById == request.TriggeredById);
        }
        var total = await query.CountAsync(cancellationToken);
        // (page - 1) × pageSize overflows an int for absurd pages; such a page is simply past the end.
        var offset = (long)(page - 1) * pageSize;
        if (offset >= total)
        {
            return new RunPage([], page, pageSize, total);
        }
        IOrderedQueryable<PipelineRun> ordered = (request.SortBy, request.Descending) switch
        {
            (RunSort.Status, false) => query.OrderBy(r => r.Status),
            (RunSort.Status, true) => query.OrderByDescending(r => r.Status),
            (RunSort.Template, false) => query.OrderBy(r => r.Template.Name),
            (RunSort.Template, true) => query.OrderByDescending(r => r.Template.Name),
            (RunSort.Creator, false) => query.OrderBy(r => r.TriggeredBy.Email),
            (RunSort.Creator, true) => query.OrderByDescending(r => r.TriggeredBy.Email),
            (_, false) => query.OrderBy(r => r.CreatedAt),
            _ => query.OrderByDescending(r => r.CreatedAt),
        };
        var items = await ordered.ThenByDescending(r => r.Id)
            .Include(r => r.Template).Include(r => r.TriggeredBy)
            .Skip((int)offset).Take(pageSize)
            .ToListAsync(cancellationToken);
        var ids = items.Select(r => r.Id).ToList();
        var ledger = await db.StepRuns.AsNoTracking().Where(s => ids.Contains(s.RunId))
            .Select(s => new StepRun { RunId = s.RunId, StepName = "", InputTokens = s.InputTokens, OutputTokens = s.OutputTokens, CostUsd = s.CostUsd })
            .ToListAsync(cancellationToken);
        var costs = ledger.GroupBy(s => s.RunId).ToDictionary(g => g.Key, RunCost.Of);
        return new RunPage(items, page, pageSize, total, costs);
    }

    /// <summary>Counts by status, success rate and average duration of finished runs, runs per day over <paramref name="days"/> days.</summary>
    public async Task<RunDashboard> DashboardAsync(int organizationId, int days = 30, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = db.Runs.AsNoTracking().Where(r => r.OrganizationId == organizationId);
        var counts = await runs.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var byStatus = Enum.GetValues<RunStatus>().ToDictionary(s => s, s => counts.FirstOrDefault(c => c.Key == s)?.Count ?? 0);
        var finished = byStatus[RunStatus.Completed] + byStatus[RunStatus.Failed] + byStatus[RunStatus.Cancelled];

        var since = clock.GetUtcNow().UtcDateTime.Date.AddDays(1 - days);
        var recent = await runs.Where(r => r.CreatedAt >= since)
            .Select(r => new { r.CreatedAt, r.Status, r.StartedAt, r.CompletedAt }).ToListAsync(cancellationToken);
        var durations = recent.Where(r => r.Status == RunStatus.Completed && r.StartedAt != null && r.CompletedAt != null)
            .Select(r => (r.CompletedAt!.Value - r.StartedAt!.Value).TotalSeconds).ToList();
        var perDay = Enumerable.Range(0, days).Select(i => DateOnly.FromDateTime(since.AddDays(i)))
            .Select(day => (day, recent.Count(r => DateOnly.FromDateTime(r.CreatedAt) == day))).ToList();
        return new RunDashboard(
            byStatus,
            finished == 0 ? null : (double)byStatus[RunStatus.Completed] / finished,
            durations.Count == 0 ? null : TimeSpan.FromSeconds(durations.Average()),
            perDay);
    }

    /// <summary>The run with its template, its creator and the step runs of every attempt.</summary>
    public async Task<PipelineRun?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().AsSplitQuery()
            .Include(r => r.Template).ThenInclude(t => t.Steps).ThenInclude(s => s.Agent)
            .Include(r => r.TriggeredBy)
            .Include(r => r.StepRuns.OrderBy(s => s.Attempt).ThenBy(s => s.StepOrder))
            .Include(r => r.Guidance).ThenInclude(g => g.User)
            .SingleOrDefaultAsync(r => r.OrganizationId == organizationId && r.Id == id, cancellationToken);
    }

    /// <summary>The organization a run belongs to, or null when there is no such run (routes that name only the run).</summary>
    public async Task<int?> OrganizationOfAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == id).Select(r => (int?)r.OrganizationId).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<bool> ExistsAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AnyAsync(r => r.OrganizationId == organizationId && r.Id == id, cancellationToken);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Creator, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The status test is part of the DELETE so that a trigger committed in between cannot lose its run.
        var deleted = await db.Runs
            .Where(r => r.OrganizationId == organizationId && r.Id == id && r.Status != RunStatus.Pending && r.Status != RunStatus.InProgress)
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted == 1)
        {
            return Result<bool>.Ok(true);
        }
        return await db.Runs.AnyAsync(r => r.OrganizationId == organizationId && r.Id == id, cancellationToken)
            ? Result<bool>.Conflict($"Run {id} is active; cancel it before deleting it.")
            : Result<bool>.NotFound($"Run {id} was not found.");
    }

    /// <summary>
    /// Checks the inputs against API.md's limits and returns them with their names trimmed, as they are
    /// stored: <c>"topic"</c> and <c>" topic"</c> are the same input, so sending both is an error.
    /// </summary>
    public static Dictionary<string, string> ValidateInputs(IReadOnlyDictionary<string, string>? inputs, FieldErrors errors)
    {
        var trimmed = new Dictionary<string, string>(StringComparer.Ordinal);
        if (inputs is null)
        {
            errors.Add("inputs", "Inputs are required, with at least a topic.");
            return trimmed;
        }
        if (inputs.Count > Limits.MaxInputs)
        {
            errors.Add("inputs", $"At most {Limits.MaxInputs} inputs are allowed (there are {inputs.Count}).");
        }
        foreach (var (key, value) in inputs)
        {
            var name = key.Trim();
            if (name.Length is 0 or > Limits.InputKey)
            {
                errors.Add("inputs", $"Input names must be between 1 and {Limits.InputKey} characters.");
                return trimmed;
            }
            if (!trimmed.TryAdd(name, value))
            {
                errors.Add("inputs", $"The input '{name}' is given twice.");
                return trimmed;
            }
        }
        trimmed.TryGetValue("topic", out var topic);
        CheckTopic(topic, errors, "inputs.topic");
        CheckTotal(trimmed.Values, errors, "inputs");
        return trimmed;
    }

    /// <summary>The topic rule, reported under <paramref name="field"/> (the API and the launcher name the field differently).</summary>
    internal static void CheckTopic(string? topic, FieldErrors errors, string field) =>
        errors.Length(field, topic, 1, Limits.Topic, "Topic");

    /// <summary>The rule on all input values together, reported under <paramref name="field"/>.</summary>
    internal static void CheckTotal(IEnumerable<string?> values, FieldErrors errors, string field)
    {
        var total = values.Sum(v => v?.Length ?? 0);
        if (total > Limits.InputsTotal)
        {
            errors.Add(field, $"All input values together must be at most {Limits.InputsTotal:N0} characters (they have {total:N0}).");
        }
    }
}
