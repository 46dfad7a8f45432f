using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>What a creator sends to create a run: a template and its inputs (topic, audience, format, …).</summary>
public sealed record RunInput(int? TemplateId, IReadOnlyDictionary<string, string>? Inputs);

/// <summary>A page of runs, newest first.</summary>
public sealed record RunPage(IReadOnlyList<PipelineRun> Items, int Page, int PageSize, int TotalCount);

/// <summary>Pipeline runs: create, list, read, delete. Triggering and execution live beside this, in the engine.</summary>
public sealed class PipelineRuns(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock)
{
    public const int MaxPageSize = 100;

    public async Task<Result<PipelineRun>> CreateAsync(int organizationId, string userId, RunInput input, CancellationToken cancellationToken = default)
    {
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
            TriggeredById = userId,
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

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Runs.AsNoTracking().Where(r => r.OrganizationId == organizationId);
        if (statusFilter is { } s)
        {
            query = query.Where(r => r.Status == s);
        }
        var total = await query.CountAsync(cancellationToken);
        // (page - 1) × pageSize overflows an int for absurd pages; such a page is simply past the end.
        var offset = (long)(page - 1) * pageSize;
        if (offset >= total)
        {
            return Result<RunPage>.Ok(new RunPage([], page, pageSize, total));
        }
        var items = await query.Include(r => r.Template).Include(r => r.TriggeredBy)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip((int)offset).Take(pageSize)
            .ToListAsync(cancellationToken);
        return Result<RunPage>.Ok(new RunPage(items, page, pageSize, total));
    }

    /// <summary>The run with its template, its creator and the step runs of every attempt.</summary>
    public async Task<PipelineRun?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().AsSplitQuery()
            .Include(r => r.Template).ThenInclude(t => t.Steps).ThenInclude(s => s.Agent)
            .Include(r => r.TriggeredBy)
            .Include(r => r.StepRuns.OrderBy(s => s.Attempt).ThenBy(s => s.StepOrder))
            .Include(r => r.Guidance)
            .SingleOrDefaultAsync(r => r.OrganizationId == organizationId && r.Id == id, cancellationToken);
    }

    public async Task<bool> ExistsAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AnyAsync(r => r.OrganizationId == organizationId && r.Id == id, cancellationToken);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
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
        errors.Length("inputs.topic", topic, 1, Limits.Topic, "Topic");
        var total = trimmed.Values.Sum(v => v?.Length ?? 0);
        if (total > Limits.InputsTotal)
        {
            errors.Add("inputs", $"All input values together must be at most {Limits.InputsTotal:N0} characters (they have {total:N0}).");
        }
        return trimmed;
    }
}
