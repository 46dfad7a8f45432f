namespace ContentWatch.Core.Idempotency;

/// <summary>An answer as it is stored and replayed: status, the headers that matter to a client, and the body.</summary>
public sealed record IdempotentResponse(int StatusCode, string? ContentType, string? Location, byte[] Body)
{
    /// <summary>
    /// Whether this answer is final for its key (decision 0010). Successes and refusals of the request itself
    /// (400, 403, 404, 422…) are replayed: the same request would get them again. Not stored, so that a repeat
    /// with the same key runs again: 5xx (the server failed, nothing may have been done), 409 (a conflict with
    /// the current state, such as a run already in progress, that a later repeat may not meet) and 429 (a
    /// limit that says to come back later).
    /// </summary>
    public bool IsFinal => StatusCode < 500 && StatusCode is not (409 or 429);
}

/// <summary>What <see cref="IdempotencyStore.BeginAsync"/> decided.</summary>
public enum IdempotencyDecision
{
    /// <summary>This request holds the key: do the work, then complete or release the claim.</summary>
    Started,

    /// <summary>The key already has an answer for this request: replay <see cref="IdempotencyClaim.Response"/>.</summary>
    Replay,

    /// <summary>The first request with this key is still running.</summary>
    InFlight,

    /// <summary>The key was used for a different request (another body).</summary>
    Mismatch,
}

/// <summary>The outcome of beginning a request under a key; for <see cref="IdempotencyDecision.Started"/>, the claim to complete.</summary>
public sealed record IdempotencyClaim(IdempotencyDecision Decision, string RecordId, Guid Owner, IdempotentResponse? Response = null);
