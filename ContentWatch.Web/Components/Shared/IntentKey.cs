namespace ContentWatch.Web.Components.Shared;

/// <summary>
/// The idempotency key of one user intent in a component (decision 0010): every call the intent makes — a double
/// click, a click repeated after the first answered but before the page moved on — carries the same key, so Core
/// runs it once (<see cref="Core.Idempotency.IdempotentOperations"/>). A new intent gets a new key: after
/// <see cref="Renew"/>, or once the state the intent acts on has changed (<see cref="For"/>).
/// </summary>
public sealed class IntentKey
{
    private object? _state;

    public string Value { get; private set; } = NewValue();

    /// <summary>The key for acting on <paramref name="state"/> (say a run's status and attempt): a new one once it changes.</summary>
    public string For(object? state)
    {
        if (!Equals(state, _state))
        {
            _state = state;
            Value = NewValue();
        }
        return Value;
    }

    public void Renew() => Value = NewValue();

    private static string NewValue() => Guid.NewGuid().ToString("N");
}
