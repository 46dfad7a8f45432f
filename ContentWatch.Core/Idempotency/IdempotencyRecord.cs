namespace ContentWatch.Core.Idempotency;

/// <summary>
/// One Idempotency-Key of one caller on one operation: in flight while the first request runs, then the answer
/// that request gave, replayed to repeats until <see cref="ExpiresAt"/>. Kept in the database so that every node
/// sees the same records.
/// </summary>
public class IdempotencyRecord
{
    /// <summary>SHA-256 (hex) of user, scope and key: a short primary key whatever their lengths.</summary>
    public required string Id { get; set; }

    public required string UserId { get; set; }

    /// <summary>The operation: for the API, method, route pattern and route values.</summary>
    public required string Scope { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of the request (its body), never the request itself.</summary>
    public required string Fingerprint { get; set; }

    /// <summary>Changes each time a request takes the record, so that only the current taker writes its answer.</summary>
    public Guid Owner { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>Set once the answer is stored; null while the first request is in flight.</summary>
    public DateTime? CompletedAt { get; set; }

    public int? StatusCode { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public byte[]? Body { get; set; }
}
