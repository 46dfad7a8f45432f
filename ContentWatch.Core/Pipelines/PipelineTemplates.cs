using ContentWatch.Core.Costs;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Pipelines;

/// <summary>
/// What an admin sends to create or replace a template; the steps replace the old ones as a whole. Like the other
/// optional fields, a <see cref="MaxRunCostUsd"/> left out of a replace is null: the template then has no maximum.
/// </summary>
public sealed record TemplateInput(string? Name, string? Description, bool? IsActive, IReadOnlyList<StepInput>? Steps, decimal? MaxRunCostUsd = null);

/// <summary>
/// A step of a template; <see cref="RequiresApproval"/> (default false) makes the run wait for a person once it has generated.
/// <see cref="MinScore"/>, <see cref="OnBelow"/> and <see cref="MaxRevisions"/> make a brand_voice_check step a gate (issue 11).
/// </summary>
public sealed record StepInput(
    string? Name, string? StepType, int? Order, int? AgentId, string? PromptTemplate, bool? RequiresApproval = null,
    int? MinScore = null, string? OnBelow = null, int? MaxRevisions = null);

/// <summary>The organization's pipeline templates and their ordered steps.</summary>
public sealed partial class PipelineTemplates(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, OrganizationAccess access)
{
    public const string MaxRunCostField = "maxRunCostUsd";

    /// <summary>Placeholders a prompt template may use; run inputs with other keys work too.</summary>
    public static IReadOnlyList<string> KnownPlaceholders { get; } = ["{topic}", "{audience}", "{format}"];

    /// <summary>The input names a template's prompts ask for (<c>{name}</c>), in the order they first appear.</summary>
    public static IReadOnlyList<string> InputsUsedBy(PipelineTemplate template) =>
        [.. template.Steps.OrderBy(s => s.Order)
            .SelectMany(s => PlaceholderPattern().Matches(s.PromptTemplate).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)];

    [System.Text.RegularExpressions.GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_]{0,99})\}")]
    private static partial System.Text.RegularExpressions.Regex PlaceholderPattern();

    public async Task<IReadOnlyList<PipelineTemplate>> ListAsync(int organizationId, bool activeOnly = false, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Templates(db).Where(t => t.OrganizationId == organizationId);
        if (activeOnly)
        {
            query = query.Where(t => t.IsActive);
        }
        return await query.OrderBy(t => t.Name).ToListAsync(cancellationToken);
    }

    public async Task<PipelineTemplate?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Templates(db).SingleOrDefaultAsync(t => t.OrganizationId == organizationId && t.Id == id, cancellationToken);
    }

    public async Task<Result<PipelineTemplate>> CreateAsync(int organizationId, string actingUserId, TemplateInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<PipelineTemplate>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await ValidateAsync(db, organizationId, input, cancellationToken) is { } invalid)
        {
            return invalid;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var template = new PipelineTemplate { OrganizationId = organizationId, Name = "", CreatedAt = now };
        Apply(template, input, now);
        template.Steps.AddRange(NewSteps(input));
        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        return Result<PipelineTemplate>.Ok((await GetAsync(organizationId, template.Id, cancellationToken))!);
    }

    public async Task<Result<PipelineTemplate>> UpdateAsync(
        int organizationId, int id, string actingUserId, TemplateInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<PipelineTemplate>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var template = await db.Templates.Include(t => t.Steps)
            .SingleOrDefaultAsync(t => t.OrganizationId == organizationId && t.Id == id, cancellationToken);
        if (template is null)
        {
            return Result<PipelineTemplate>.NotFound($"Template {id} was not found.");
        }
        if (await ValidateAsync(db, organizationId, input, cancellationToken) is { } invalid)
        {
            return invalid;
        }
        if (await db.Runs.AnyAsync(r => r.TemplateId == id && (r.Status == RunStatus.Pending || r.Status == RunStatus.InProgress), cancellationToken))
        {
            return Result<PipelineTemplate>.Conflict($"Template '{template.Name}' is running right now; edit it once its runs have finished.");
        }

        // Old steps go first so that the new ones may reuse their orders (unique per template).
        // Step runs keep their own copy of the step's name, type and order, so history survives.
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Steps.RemoveRange(template.Steps);
            await db.SaveChangesAsync(cancellationToken);
            Apply(template, input, clock.GetUtcNow().UtcDateTime);
            template.Steps.AddRange(NewSteps(input));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        return Result<PipelineTemplate>.Ok((await GetAsync(organizationId, id, cancellationToken))!);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var template = await db.Templates.SingleOrDefaultAsync(t => t.OrganizationId == organizationId && t.Id == id, cancellationToken);
        if (template is null)
        {
            return Result<bool>.NotFound($"Template {id} was not found.");
        }
        var runs = await db.Runs.CountAsync(r => r.TemplateId == id, cancellationToken);
        if (runs > 0)
        {
            return Result<bool>.Conflict(
                $"Template '{template.Name}' has {runs} run(s) in its history; deactivate it instead, or delete those runs first.");
        }
        db.Templates.Remove(template);
        await db.SaveChangesAsync(cancellationToken);
        return Result<bool>.Ok(true);
    }

    private static IQueryable<PipelineTemplate> Templates(ContentWatchDbContext db) =>
        db.Templates.AsNoTracking().Include(t => t.Steps.OrderBy(s => s.Order)).ThenInclude(s => s.Agent);

    private static async Task<Result<PipelineTemplate>?> ValidateAsync(
        ContentWatchDbContext db, int organizationId, TemplateInput input, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Length("name", input.Name, 1, Limits.TemplateName, "Name");
        errors.Length("description", input.Description, 0, Limits.TemplateDescription, "Description");
        if (input.MaxRunCostUsd is { } max && max is <= 0 or > Limits.TemplateMaxRunCostUsd)
        {
            errors.Add(MaxRunCostField,
                $"Maximum cost per run must be more than $0 and at most {Spending.Usd(Limits.TemplateMaxRunCostUsd)}; leave it empty for no maximum.");
        }

        var steps = input.Steps ?? [];
        if (steps.Count is < 1 or > Limits.MaxSteps)
        {
            errors.Add("steps", $"A template needs between 1 and {Limits.MaxSteps} steps (it has {steps.Count}).");
        }

        var agentIds = steps.Select(s => s?.AgentId).OfType<int>().Distinct().ToList();
        var ownAgents = await db.Agents.Where(a => a.OrganizationId == organizationId && agentIds.Contains(a.Id))
            .Select(a => a.Id).ToListAsync(cancellationToken);

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var prefix = $"steps[{i}]";
            if (step is null)
            {
                errors.Add(prefix, "A step is required.");
                continue;
            }
            errors.Length($"{prefix}.name", step.Name, 1, Limits.StepName, "Step name");
            if (!EnumNames<StepType>.TryParse(step.StepType, out _))
            {
                errors.Add($"{prefix}.stepType", $"Step type must be one of {string.Join(", ", EnumNames<StepType>.All)}.");
            }
            if (step.Order is not > 0)
            {
                errors.Add($"{prefix}.order", "Order must be a positive whole number.");
            }
            else if (steps.Take(i).Any(s => s?.Order == step.Order))
            {
                errors.Add($"{prefix}.order", $"Order {step.Order} is used by another step; orders must be unique.");
            }
            if (step.AgentId is not { } agentId || !ownAgents.Contains(agentId))
            {
                errors.Add($"{prefix}.agentId", "Choose an agent of this organization.");
            }
            errors.Length($"{prefix}.promptTemplate", step.PromptTemplate, 1, Limits.PromptTemplate, "Prompt template");
            ValidateGate(errors, prefix, step);
        }
        return errors.Any ? errors.ToResult<PipelineTemplate>() : null;
    }

    /// <summary>The brand gate's options: only on a brand_voice_check step, each within its range.</summary>
    private static void ValidateGate(FieldErrors errors, string prefix, StepInput step)
    {
        var isCheck = EnumNames<StepType>.TryParse(step.StepType, out var type) && type == StepType.BrandVoiceCheck;
        foreach (var (field, given) in new[] { ("minScore", step.MinScore is not null), ("onBelow", step.OnBelow is not null), ("maxRevisions", step.MaxRevisions is not null) })
        {
            if (given && !isCheck)
            {
                errors.Add($"{prefix}.{field}", $"Only a {EnumNames<StepType>.Name(StepType.BrandVoiceCheck)} step can be a brand gate; remove {field} from this step.");
            }
        }
        if (!isCheck)
        {
            return;
        }
        if (step.MinScore is < 0 or > 100)
        {
            errors.Add($"{prefix}.minScore", "Minimum score must be between 0 and 100.");
        }
        if (step.OnBelow is not null && !EnumNames<BelowMinScore>.TryParse(step.OnBelow, out _))
        {
            errors.Add($"{prefix}.onBelow", $"Below the minimum must be one of {string.Join(", ", EnumNames<BelowMinScore>.All)}.");
        }
        if (step.MaxRevisions is < 1 or > Limits.MaxRevisions)
        {
            errors.Add($"{prefix}.maxRevisions", $"Revisions must be between 1 and {Limits.MaxRevisions}.");
        }
    }

    private static void Apply(PipelineTemplate template, TemplateInput input, DateTime now)
    {
        template.Name = input.Name!.Trim();
        template.Description = input.Description?.Trim() ?? "";
        template.IsActive = input.IsActive ?? true;
        template.MaxRunCostUsd = input.MaxRunCostUsd;
        template.UpdatedAt = now;
    }

    private static IEnumerable<PipelineStep> NewSteps(TemplateInput input) =>
        input.Steps!.OrderBy(s => s.Order).Select(s => new PipelineStep
        {
            Name = s.Name!.Trim(),
            StepType = EnumNames<StepType>.Parse(s.StepType!),
            Order = s.Order!.Value,
            AgentId = s.AgentId!.Value,
            PromptTemplate = s.PromptTemplate!,
            RequiresApproval = s.RequiresApproval ?? false,
            MinScore = s.MinScore,
            OnBelow = s.OnBelow is null ? null : EnumNames<BelowMinScore>.Parse(s.OnBelow),
            MaxRevisions = s.MaxRevisions,
        });
}
