using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using ContentWatch.Core.Organizations;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Agents;

/// <summary>
/// What an admin sends to create or replace an agent profile (API.md: agents); <see cref="ModelId"/> is one of the
/// organization's model connections, or null for the default one (issue 10).
/// </summary>
public sealed record AgentInput(string? Name, string? Role, string? SystemPrompt, double? Temperature, bool IsDefault, int? ModelId = null);

/// <summary>The organization's agent profiles: list, read, create, replace, delete.</summary>
public sealed class AgentProfiles(IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, OrganizationAccess access)
{
    public const double DefaultTemperature = 0.7;

    public async Task<IReadOnlyList<AgentProfile>> ListAsync(int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Agents.AsNoTracking().Where(a => a.OrganizationId == organizationId)
            .OrderBy(a => a.Name).ToListAsync(cancellationToken);
    }

    public async Task<AgentProfile?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.OrganizationId == organizationId && a.Id == id, cancellationToken);
    }

    public async Task<Result<AgentProfile>> CreateAsync(int organizationId, string actingUserId, AgentInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<AgentProfile>();
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await ValidateModelAsync(db, organizationId, input, cancellationToken) is { } unknownModel)
        {
            return unknownModel;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var agent = new AgentProfile { OrganizationId = organizationId, Name = "", SystemPrompt = "", CreatedAt = now };
        Apply(agent, input, now);
        db.Agents.Add(agent);
        await ClearOtherDefaultsAsync(db, agent, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Result<AgentProfile>.Ok(agent);
    }

    public async Task<Result<AgentProfile>> UpdateAsync(int organizationId, int id, string actingUserId, AgentInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<AgentProfile>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.OrganizationId == organizationId && a.Id == id, cancellationToken);
        if (agent is null)
        {
            return Result<AgentProfile>.NotFound($"Agent {id} was not found.");
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        if (await ValidateModelAsync(db, organizationId, input, cancellationToken) is { } unknownModel)
        {
            return unknownModel;
        }
        Apply(agent, input, clock.GetUtcNow().UtcDateTime);
        await ClearOtherDefaultsAsync(db, agent, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Result<AgentProfile>.Ok(agent);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.OrganizationId == organizationId && a.Id == id, cancellationToken);
        if (agent is null)
        {
            return Result<bool>.NotFound($"Agent {id} was not found.");
        }
        var usedBy = await db.Steps.Where(s => s.AgentId == id).Select(s => s.Template.Name).Distinct().ToListAsync(cancellationToken);
        if (usedBy.Count > 0)
        {
            return Result<bool>.Conflict(
                $"Agent '{agent.Name}' is used by template(s) {string.Join(", ", usedBy.Select(n => $"'{n}'"))}; change those steps first.");
        }
        db.Agents.Remove(agent);
        await db.SaveChangesAsync(cancellationToken);
        return Result<bool>.Ok(true);
    }

    public static Result<AgentProfile>? Validate(AgentInput input)
    {
        var errors = new FieldErrors();
        errors.Length("name", input.Name, 1, Limits.AgentName, "Name");
        if (!EnumNames<AgentRole>.TryParse(input.Role, out _))
        {
            errors.Add("role", $"Role must be one of {string.Join(", ", EnumNames<AgentRole>.All)}.");
        }
        errors.Length("systemPrompt", input.SystemPrompt, 1, Limits.SystemPrompt, "System prompt");
        if (input.Temperature is { } t && (double.IsNaN(t) || t < Limits.TemperatureMin || t > Limits.TemperatureMax))
        {
            errors.Add("temperature", $"Temperature must be between {Limits.TemperatureMin} and {Limits.TemperatureMax}.");
        }
        return errors.Any ? errors.ToResult<AgentProfile>() : null;
    }

    private static void Apply(AgentProfile agent, AgentInput input, DateTime now)
    {
        agent.Name = input.Name!.Trim();
        agent.Role = EnumNames<AgentRole>.Parse(input.Role!);
        agent.SystemPrompt = input.SystemPrompt!;
        agent.Temperature = input.Temperature ?? DefaultTemperature;
        agent.IsDefault = input.IsDefault;
        agent.ModelId = input.ModelId;
        agent.UpdatedAt = now;
    }

    /// <summary>An agent's model must be a connection of its own organization.</summary>
    private static async Task<Result<AgentProfile>?> ValidateModelAsync(
        ContentWatchDbContext db, int organizationId, AgentInput input, CancellationToken cancellationToken) =>
        input.ModelId is { } modelId
            && !await db.ModelConnections.AnyAsync(m => m.OrganizationId == organizationId && m.Id == modelId, cancellationToken)
            ? Result<AgentProfile>.Invalid("modelId", $"Model connection {modelId} does not exist in this organization.")
            : null;

    /// <summary>One default agent per role and organization: the newest choice wins.</summary>
    private static async Task ClearOtherDefaultsAsync(ContentWatchDbContext db, AgentProfile agent, CancellationToken cancellationToken)
    {
        if (!agent.IsDefault)
        {
            return;
        }
        var others = await db.Agents
            .Where(a => a.OrganizationId == agent.OrganizationId && a.Role == agent.Role && a.IsDefault && a.Id != agent.Id)
            .ToListAsync(cancellationToken);
        others.ForEach(a => a.IsDefault = false);
    }
}
