namespace ContentWatch.Core.Organizations;

/// <summary>A member's role in an organization changed, or the member was added or removed.</summary>
public sealed record MembershipChange(int OrganizationId, string UserId);

/// <summary>
/// Tells open circuits at once that a membership changed, so that a page shows "not authorized" when its
/// user loses the role, instead of waiting for the next revalidation. It is a courtesy to the user: the
/// rule itself is enforced by every Core operation re-checking the actor's role (<see cref="OrganizationAccess.CheckAsync"/>).
/// With Redis configured, <see cref="RedisMembershipRelay"/> carries each change to the other nodes' circuits too;
/// without it (or while Redis is down) a circuit on another node learns of the change at its next action, which
/// Core refuses.
/// </summary>
public sealed class MembershipChanges
{
    private readonly Lock _gate = new();
    private Action<MembershipChange>[] _handlers = [];

    public IDisposable Subscribe(Action<MembershipChange> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
        return new Subscription(this, handler);
    }

    /// <summary>Raised with each change published on this node, for the relay to hand on to the others.</summary>
    public event Action<MembershipChange>? Published;

    /// <summary>Tells this node's circuits and, through <see cref="Published"/>, the other nodes'.</summary>
    public void Publish(MembershipChange change)
    {
        Deliver(change);
        Published?.Invoke(change);
    }

    /// <summary>Tells this node's circuits only: for a change another node published.</summary>
    public void Deliver(MembershipChange change)
    {
        // A handler that throws must not keep the others (or the writer that published) from going on.
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(change);
            }
            catch (Exception)
            {
                // Handlers marshal onto their circuit; a disposed circuit's failure concerns nobody else.
            }
        }
    }

    private void Unsubscribe(Action<MembershipChange> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(MembershipChanges owner, Action<MembershipChange> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }
}
