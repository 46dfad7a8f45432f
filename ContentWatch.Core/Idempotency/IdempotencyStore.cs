using System.Security.Cryptography;
using System.Text;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ContentWatch.Core.Idempotency;

/// <summary>
/// Idempotency-Key records in the database (decision 0010). A key belongs to one caller and one scope; the first
/// request inserts its record in flight, and every later one reads what the first left: its answer to replay, a
/// different fingerprint (422), or a request still running (409). A record whose taker died — in flight past
/// <see cref="IdempotencyOptions.InFlightTimeout"/> — or that expired is taken over with a conditional update,
/// so that of two nodes racing for it exactly one wins.
/// </summary>
public sealed class IdempotencyStore(
    IDbContextFactory<ContentWatchDbContext> dbFactory, IOptions<IdempotencyOptions> options, TimeProvider clock)
{
    /// <summary>The longest key accepted (the header's value, in characters).</summary>
    public const int MaxKeyLength = 255;

    public const int MaxScopeLength = 400;

    /// <summary>Null when the key is acceptable, else why not.</summary>
    public static string? Check(string? key) =>
        string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength
            ? $"An Idempotency-Key has 1 to {MaxKeyLength} characters, not only spaces (this one has {key?.Length ?? 0})."
            : null;

    /// <summary>SHA-256 of the bytes, in lower-case hex: how a request is compared without being stored.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> request) => Convert.ToHexStringLower(SHA256.HashData(request));

    public static string Fingerprint(string request) => Fingerprint(Encoding.UTF8.GetBytes(request));

    public async Task<IdempotencyClaim> BeginAsync(
        string userId, string scope, string key, string fingerprint, CancellationToken cancellationToken = default)
    {
        if (Check(key) is { } problem)
        {
            throw new ArgumentException(problem, nameof(key));
        }
        if (scope.Length > MaxScopeLength)
        {
            // A scope is built from a route and its values; past this it is hashed rather than refused.
            scope = "sha256:" + Fingerprint(scope);
        }
        var id = Fingerprint($"{userId.Length}:{userId}\n{scope.Length}:{scope}\n{key}");
        var settings = options.Value;

        // Each pass either decides or loses a race to another request, which then has changed the record.
        for (var pass = 0; pass < 5; pass++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            var owner = Guid.NewGuid();
            var existing = await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
            if (existing is null)
            {
                db.IdempotencyRecords.Add(new IdempotencyRecord
                {
                    Id = id, UserId = userId, Scope = scope, Key = key, Fingerprint = fingerprint,
                    Owner = owner, StartedAt = now, ExpiresAt = now + settings.Retention,
                });
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    return new IdempotencyClaim(IdempotencyDecision.Started, id, owner);
                }
                catch (DbUpdateException)
                {
                    // Another request inserted the same key first: read what it left.
                    continue;
                }
            }

            var expired = existing.ExpiresAt <= now;
            if (!expired)
            {
                if (existing.Fingerprint != fingerprint)
                {
                    return new IdempotencyClaim(IdempotencyDecision.Mismatch, id, existing.Owner);
                }
                if (existing.CompletedAt is not null)
                {
                    return new IdempotencyClaim(IdempotencyDecision.Replay, id, existing.Owner, new IdempotentResponse(
                        existing.StatusCode ?? 200, existing.ContentType, existing.Location, existing.Body ?? []));
                }
                if (existing.StartedAt + settings.InFlightTimeout > now)
                {
                    return new IdempotencyClaim(IdempotencyDecision.InFlight, id, existing.Owner);
                }
            }

            // Expired, or in flight for so long that its request died: take it over, if nobody else did meanwhile.
            var previousOwner = existing.Owner;
            var taken = await db.IdempotencyRecords
                .Where(r => r.Id == id && r.Owner == previousOwner)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Owner, owner)
                    .SetProperty(r => r.Fingerprint, fingerprint)
                    .SetProperty(r => r.StartedAt, now)
                    .SetProperty(r => r.ExpiresAt, now + settings.Retention)
                    .SetProperty(r => r.CompletedAt, (DateTime?)null)
                    .SetProperty(r => r.StatusCode, (int?)null)
                    .SetProperty(r => r.ContentType, (string?)null)
                    .SetProperty(r => r.Location, (string?)null)
                    .SetProperty(r => r.Body, (byte[]?)null), cancellationToken);
            if (taken == 1)
            {
                return new IdempotencyClaim(IdempotencyDecision.Started, id, owner);
            }
        }
        return new IdempotencyClaim(IdempotencyDecision.InFlight, id, Guid.Empty);
    }

    /// <summary>
    /// Ends a started claim: a final answer is stored for replay; any other is forgotten, so that a repeat with
    /// the same key runs again (<see cref="IdempotentResponse.IsFinal"/>).
    /// </summary>
    public async Task CompleteAsync(IdempotencyClaim claim, IdempotentResponse response, CancellationToken cancellationToken = default)
    {
        if (!response.IsFinal)
        {
            await ReleaseAsync(claim, cancellationToken);
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        // Only the current taker writes: a request that was taken over after it stalled changes nothing.
        await db.IdempotencyRecords
            .Where(r => r.Id == claim.RecordId && r.Owner == claim.Owner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.StatusCode, response.StatusCode)
                .SetProperty(r => r.ContentType, response.ContentType)
                .SetProperty(r => r.Location, response.Location)
                .SetProperty(r => r.Body, response.Body), cancellationToken);
    }

    /// <summary>Forgets a started claim (the work failed or gave no final answer): the key is free again.</summary>
    public async Task ReleaseAsync(IdempotencyClaim claim, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.IdempotencyRecords.Where(r => r.Id == claim.RecordId && r.Owner == claim.Owner).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Deletes the records whose retention ended; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.IdempotencyRecords.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
