using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace ContentWatch.Core.Agents;

/// <summary>
/// What an admin sends to create or replace a model connection (issue 10: models). <see cref="ApiKey"/> is write-only:
/// null keeps the stored key, an empty string removes it.
/// </summary>
public sealed record ModelConnectionInput(
    string? Name, string? Provider, string? Endpoint, string? Model, string? ApiKey,
    decimal? InputPricePerMillion, decimal? OutputPricePerMillion, int? MaxConcurrency, bool IsDefault);

/// <summary>
/// The organization's model connections: list, read, create, replace, delete. The API key is encrypted with
/// ASP.NET Core Data Protection (whose keys live in the database) before it is stored, and only
/// <see cref="UnprotectApiKey"/> turns it back into the key, for a call to the endpoint.
/// </summary>
public sealed class ModelConnections(
    IDbContextFactory<ContentWatchDbContext> dbFactory, TimeProvider clock, OrganizationAccess access, IDataProtectionProvider dataProtection)
{
    public const string ApiKeyPurpose = "ContentWatch.ModelConnections.ApiKey";

    // Keys shorter than this show no last four characters: four would give away too much of them.
    private const int ShortestKeyWithLast4 = 12;

    private readonly IDataProtector _protector = dataProtection.CreateProtector(ApiKeyPurpose);

    public async Task<IReadOnlyList<ModelConnection>> ListAsync(int organizationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelConnections.AsNoTracking().Where(m => m.OrganizationId == organizationId)
            .OrderBy(m => m.Name).ToListAsync(cancellationToken);
    }

    public async Task<ModelConnection?> GetAsync(int organizationId, int id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelConnections.AsNoTracking()
            .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.Id == id, cancellationToken);
    }

    public async Task<Result<ModelConnection>> CreateAsync(
        int organizationId, string actingUserId, ModelConnectionInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<ModelConnection>();
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await NameTakenAsync(db, organizationId, input.Name!.Trim(), exceptId: null, cancellationToken) is { } taken)
        {
            return taken;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = new ModelConnection { OrganizationId = organizationId, Name = "", Model = "", CreatedAt = now };
        Apply(connection, input, now);
        db.ModelConnections.Add(connection);
        await ClearOtherDefaultsAsync(db, connection, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Result<ModelConnection>.Ok(connection);
    }

    public async Task<Result<ModelConnection>> UpdateAsync(
        int organizationId, int id, string actingUserId, ModelConnectionInput input, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<ModelConnection>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var connection = await db.ModelConnections.SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.Id == id, cancellationToken);
        if (connection is null)
        {
            return Result<ModelConnection>.NotFound($"Model connection {id} was not found.");
        }
        if (Validate(input) is { } invalid)
        {
            return invalid;
        }
        if (await NameTakenAsync(db, organizationId, input.Name!.Trim(), exceptId: id, cancellationToken) is { } taken)
        {
            return taken;
        }
        Apply(connection, input, clock.GetUtcNow().UtcDateTime);
        await ClearOtherDefaultsAsync(db, connection, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Result<ModelConnection>.Ok(connection);
    }

    public async Task<Result<bool>> DeleteAsync(int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<bool>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var connection = await db.ModelConnections.SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.Id == id, cancellationToken);
        if (connection is null)
        {
            return Result<bool>.NotFound($"Model connection {id} was not found.");
        }
        var usedBy = await db.Agents.Where(a => a.ModelId == id).OrderBy(a => a.Name).Select(a => a.Name).ToListAsync(cancellationToken);
        if (usedBy.Count > 0)
        {
            return Result<bool>.Conflict(
                $"Model connection '{connection.Name}' is used by agent(s) {string.Join(", ", usedBy.Select(n => $"'{n}'"))}; give those agents another model first.");
        }
        db.ModelConnections.Remove(connection);
        await db.SaveChangesAsync(cancellationToken);
        return Result<bool>.Ok(true);
    }

    /// <summary>The stored API key in plain text, for a call to the connection's endpoint only; null when it has none.</summary>
    public string? UnprotectApiKey(ModelConnection connection) =>
        connection.ProtectedApiKey is { } ciphertext ? _protector.Unprotect(ciphertext) : null;

    public static Result<ModelConnection>? Validate(ModelConnectionInput input)
    {
        var errors = new FieldErrors();
        errors.Length("name", input.Name, 1, Limits.ModelName, "Name");
        if (!EnumNames<ModelProvider>.TryParse(input.Provider, out var provider))
        {
            errors.Add("provider", $"Provider must be one of {string.Join(", ", EnumNames<ModelProvider>.All)}.");
        }
        else if (provider != ModelProvider.Simulated)
        {
            if (string.IsNullOrWhiteSpace(input.Endpoint))
            {
                errors.Add("endpoint", "Endpoint is required for a real model endpoint.");
            }
            else if (input.Endpoint.Length > Limits.ModelEndpoint)
            {
                errors.Add("endpoint", $"Endpoint must be at most {Limits.ModelEndpoint:N0} characters.");
            }
            else if (!Uri.TryCreate(input.Endpoint.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add("endpoint", "Endpoint must be an absolute http(s) URL.");
            }
            else if (provider == ModelProvider.AzureOpenAI && uri.Scheme != "https")
            {
                errors.Add("endpoint", "Azure OpenAI needs an https:// endpoint.");
            }
        }
        else if (input.Endpoint is { Length: > Limits.ModelEndpoint })
        {
            errors.Add("endpoint", $"Endpoint must be at most {Limits.ModelEndpoint:N0} characters.");
        }
        errors.Length("model", input.Model, 1, Limits.ModelId, "Model");
        if (input.ApiKey is { Length: > Limits.ModelApiKey })
        {
            errors.Add("apiKey", $"API key must be at most {Limits.ModelApiKey:N0} characters.");
        }
        Price(errors, "inputPricePerMillion", input.InputPricePerMillion, "Input price");
        Price(errors, "outputPricePerMillion", input.OutputPricePerMillion, "Output price");
        if (input.MaxConcurrency is { } max && (max < 1 || max > Limits.ModelMaxConcurrency))
        {
            errors.Add("maxConcurrency", $"Max concurrency must be between 1 and {Limits.ModelMaxConcurrency}, or empty for no limit.");
        }
        return errors.Any ? errors.ToResult<ModelConnection>() : null;
    }

    private static void Price(FieldErrors errors, string field, decimal? price, string label)
    {
        if (price is { } p && (p < 0 || p > Limits.ModelPriceMax))
        {
            errors.Add(field, $"{label} must be between 0 and {Limits.ModelPriceMax:N0} USD per million tokens.");
        }
    }

    private static async Task<Result<ModelConnection>?> NameTakenAsync(
        ContentWatchDbContext db, int organizationId, string name, int? exceptId, CancellationToken cancellationToken) =>
        await db.ModelConnections.AnyAsync(m => m.OrganizationId == organizationId && m.Name == name && m.Id != exceptId, cancellationToken)
            ? Result<ModelConnection>.Conflict($"A model connection named '{name}' already exists.")
            : null;

    private void Apply(ModelConnection connection, ModelConnectionInput input, DateTime now)
    {
        connection.Name = input.Name!.Trim();
        connection.Provider = EnumNames<ModelProvider>.Parse(input.Provider!);
        connection.Endpoint = input.Endpoint?.Trim() ?? "";
        connection.Model = input.Model!.Trim();
        if (input.ApiKey is { } key)
        {
            var trimmed = key.Trim();
            connection.ProtectedApiKey = trimmed.Length == 0 ? null : _protector.Protect(trimmed);
            connection.ApiKeyLast4 = trimmed.Length >= ShortestKeyWithLast4 ? trimmed[^4..] : null;
        }
        connection.InputPricePerMillion = input.InputPricePerMillion ?? 0;
        connection.OutputPricePerMillion = input.OutputPricePerMillion ?? 0;
        connection.MaxConcurrency = input.MaxConcurrency;
        connection.IsDefault = input.IsDefault;
        connection.UpdatedAt = now;
    }

    /// <summary>One default connection per organization: the newest choice wins.</summary>
    private static async Task ClearOtherDefaultsAsync(ContentWatchDbContext db, ModelConnection connection, CancellationToken cancellationToken)
    {
        if (!connection.IsDefault)
        {
            return;
        }
        var others = await db.ModelConnections
            .Where(m => m.OrganizationId == connection.OrganizationId && m.IsDefault && m.Id != connection.Id)
            .ToListAsync(cancellationToken);
        others.ForEach(m => m.IsDefault = false);
    }
}
