namespace ContentWatch.Core;

public enum ResultStatus { Ok, NotFound, Invalid, Conflict, Forbidden, TooManyRequests }

/// <summary>
/// What a Core operation did. The API turns it into status codes and problem details, the UI into
/// messages next to fields and snackbars; neither needs exceptions for expected outcomes.
/// </summary>
public sealed record Result<T>
{
    public ResultStatus Status { get; private init; }
    public T? Value { get; private init; }

    /// <summary>Field name (camelCase, as in the API) → messages; set when <see cref="Status"/> is Invalid.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; private init; } = new Dictionary<string, string[]>();

    /// <summary>A sentence for the user when the operation was refused.</summary>
    public string? Detail { get; private init; }

    /// <summary>When a refusal for too many requests may be tried again; set when <see cref="Status"/> is TooManyRequests.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public bool Succeeded => Status == ResultStatus.Ok;

    public static Result<T> Ok(T value) => new() { Status = ResultStatus.Ok, Value = value };
    public static Result<T> NotFound(string detail) => new() { Status = ResultStatus.NotFound, Detail = detail };
    public static Result<T> Conflict(string detail) => new() { Status = ResultStatus.Conflict, Detail = detail };

    /// <summary>The actor is a member but their current role does not allow this.</summary>
    public static Result<T> Forbidden(string detail) => new() { Status = ResultStatus.Forbidden, Detail = detail };

    /// <summary>A limit was reached; nothing was done, and the same request may succeed after <paramref name="retryAfter"/>.</summary>
    public static Result<T> TooManyRequests(string detail, TimeSpan? retryAfter = null) =>
        new() { Status = ResultStatus.TooManyRequests, Detail = detail, RetryAfter = retryAfter };

    public static Result<T> Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new() { Status = ResultStatus.Invalid, Errors = errors, Detail = "One or more fields are invalid." };

    public static Result<T> Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The same refusal carried over to another value type.</summary>
    public Result<TOther> As<TOther>() =>
        Succeeded
            ? throw new InvalidOperationException("A successful result carries a value; map it instead.")
            : new() { Status = Status, Errors = Errors, Detail = Detail, RetryAfter = RetryAfter };
}

/// <summary>Collects field errors in the order they are found.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    /// <summary>Required, and at most <paramref name="max"/> characters once trimmed of nothing.</summary>
    public void Length(string field, string? value, int min, int max, string label)
    {
        var length = value?.Length ?? 0;
        if (string.IsNullOrWhiteSpace(value) && min > 0)
        {
            Add(field, $"{label} is required.");
        }
        else if (length < min || length > max)
        {
            Add(field, $"{label} must be between {min} and {max:N0} characters (it has {length:N0}).");
        }
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

    public Result<T> ToResult<T>() => Result<T>.Invalid(ToDictionary());
}
