using System.Text.Json;

namespace ContentWatch.Core.Idempotency;

/// <summary>
/// Idempotency for callers of Core that are not HTTP requests — the Blazor UI — over the same records as the API
/// (decision 0010): the work of one key runs once; a repeat gets the first outcome back. <typeparamref name="T"/>
/// of <see cref="RunOnceAsync"/> is what a repeat needs to know (an id, a flag), stored as JSON.
/// </summary>
public sealed class IdempotentOperations(IdempotencyStore store, TimeProvider clock)
{
    /// <summary>How long a repeat waits for the first request's outcome before answering that it is still running.</summary>
    public static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Runs <paramref name="work"/> unless this user already ran <paramref name="scope"/> with this key: then its
    /// outcome is returned again; while that first call still runs, this one waits for it (a double click gets the
    /// first click's outcome). A key reused for another <paramref name="fingerprint"/> is a Conflict, and so is a
    /// first call that has not ended within <see cref="InFlightWait"/>.
    /// </summary>
    public async Task<Result<T>> RunOnceAsync<T>(
        string userId, string scope, string key, string fingerprint, Func<CancellationToken, Task<Result<T>>> work,
        CancellationToken cancellationToken = default)
    {
        var deadline = clock.GetUtcNow() + InFlightWait;
        while (true)
        {
            var claim = await store.BeginAsync(userId, scope, key, fingerprint, cancellationToken);
            switch (claim.Decision)
            {
                case IdempotencyDecision.Replay:
                    return Read<T>(claim.Response!);
                case IdempotencyDecision.Mismatch:
                    return Result<T>.Conflict("This request was already made with other values; reload the page and try again.");
                case IdempotencyDecision.InFlight when clock.GetUtcNow() < deadline:
                    await Task.Delay(Poll, clock, cancellationToken);
                    continue;
                case IdempotencyDecision.InFlight:
                    return Result<T>.Conflict("The same request is still being processed.");
            }

            Result<T> result;
            try
            {
                result = await work(cancellationToken);
            }
            catch
            {
                await store.ReleaseAsync(claim, CancellationToken.None);
                throw;
            }
            await store.CompleteAsync(claim, Write(result), CancellationToken.None);
            return result;
        }
    }

    private static IdempotentResponse Write<T>(Result<T> result) => new(
        result.Status switch
        {
            ResultStatus.Ok => 200,
            ResultStatus.Invalid => 400,
            ResultStatus.Forbidden => 403,
            ResultStatus.NotFound => 404,
            ResultStatus.Conflict => 409,
            ResultStatus.TooManyRequests => 429,
            _ => 500,
        },
        "application/json", null,
        JsonSerializer.SerializeToUtf8Bytes(new Outcome<T>(result.Status, result.Succeeded ? result.Value : default, result.Detail,
            result.Errors.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))));

    // Only final outcomes are stored (IdempotentResponse.IsFinal): never a Conflict or TooManyRequests.
    private static Result<T> Read<T>(IdempotentResponse response)
    {
        var outcome = JsonSerializer.Deserialize<Outcome<T>>(response.Body)!;
        return outcome.Status switch
        {
            ResultStatus.Ok => Result<T>.Ok(outcome.Value!),
            ResultStatus.Invalid => Result<T>.Invalid(outcome.Errors),
            ResultStatus.Forbidden => Result<T>.Forbidden(outcome.Detail ?? "Not allowed."),
            _ => Result<T>.NotFound(outcome.Detail ?? "Not found."),
        };
    }

    private sealed record Outcome<T>(ResultStatus Status, T? Value, string? Detail, Dictionary<string, string[]> Errors);
}

/// <summary>Maps a Result's value, keeping a refusal as it is.</summary>
public static class ResultMapping
{
    public static Result<TOther> Map<T, TOther>(this Result<T> result, Func<T, TOther> map) =>
        result.Succeeded ? Result<TOther>.Ok(map(result.Value!)) : result.As<TOther>();
}
