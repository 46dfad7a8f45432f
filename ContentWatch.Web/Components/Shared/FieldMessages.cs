namespace ContentWatch.Web.Components.Shared;

/// <summary>
/// A Core result's field errors as MudBlazor fields show them:
/// <c>Error="@_errors.Has("name")" ErrorText="@_errors.Of("name")"</c>. The keys are the API's (<c>name</c>,
/// <c>steps[2].agentId</c>), so a form says what the API would answer for the same input.
/// </summary>
public sealed class FieldMessages(IReadOnlyDictionary<string, string[]> errors)
{
    public static FieldMessages None { get; } = new(new Dictionary<string, string[]>());

    public bool Has(string field) => errors.ContainsKey(field);

    /// <summary>The first message for the field (a field shows one at a time), or null.</summary>
    public string? Of(string field) => errors.TryGetValue(field, out var messages) && messages.Length > 0 ? messages[0] : null;

    /// <summary>The same messages but the field's, for a field the user has just changed.</summary>
    public FieldMessages Without(string field) =>
        errors.ContainsKey(field) ? new(errors.Where(e => e.Key != field).ToDictionary(StringComparer.Ordinal)) : this;

    /// <summary>The first message of each field the form has no place for, so that no refusal goes unexplained.</summary>
    public IEnumerable<string> Besides(IEnumerable<string> shownFields)
    {
        var shown = shownFields.ToHashSet(StringComparer.Ordinal);
        return errors.Where(e => !shown.Contains(e.Key) && e.Value.Length > 0).Select(e => e.Value[0]);
    }
}
