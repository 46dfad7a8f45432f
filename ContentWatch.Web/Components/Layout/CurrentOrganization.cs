using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;

namespace ContentWatch.Web.Components.Layout;

/// <summary>
/// The organization the signed-in user works in, for one circuit. The layout loads it; pages read it
/// through a cascading value; switching is remembered for the user's next visit. When the user's membership
/// changes (<see cref="MembershipChanges"/>), it reads the role again and raises <see cref="Changed"/>, so an
/// open page re-checks at once who may see it instead of at the next revalidation.
/// </summary>
public sealed class CurrentOrganization(OrganizationAccess access, MembershipChanges changes, ILogger<CurrentOrganization> logger) : IDisposable
{
    private string? _userId;
    private IDisposable? _subscription;

    /// <summary>The signed-in user, once the layout has loaded the memberships.</summary>
    public string? UserId => _userId;

    public IReadOnlyList<OrganizationMembership> Memberships { get; private set; } = [];
    public OrganizationMembership? Current { get; private set; }
    public bool IsAdmin => Current?.Role == OrganizationRole.Admin;

    /// <summary>
    /// The organization this circuit worked in, after the user stopped being a member of it: pages show
    /// "not authorized" rather than quietly moving the user to another organization.
    /// </summary>
    public OrganizationMembership? Revoked { get; private set; }

    /// <summary>Raised after the memberships changed; handlers re-render through their own dispatcher.</summary>
    public event Action? Changed;

    public async Task LoadAsync(string userId, CancellationToken cancellationToken = default)
    {
        _userId = userId;
        _subscription ??= changes.Subscribe(OnMembershipChanged);
        Memberships = await access.ListAsync(userId, cancellationToken);
        Current = await access.GetCurrentAsync(userId, cancellationToken);
        Revoked = null;
    }

    /// <summary>Reads the user's memberships again; the organization worked in stays the same while the user is in it.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (_userId is null)
        {
            return;
        }
        var before = Current ?? Revoked;
        var memberships = await access.ListAsync(_userId, cancellationToken);
        var still = before is null ? null : memberships.FirstOrDefault(m => m.Id == before.Id);
        Memberships = memberships;
        if (before is not null && still is null)
        {
            (Current, Revoked) = (null, before);
        }
        else
        {
            (Current, Revoked) = (still ?? await access.GetCurrentAsync(_userId, cancellationToken), null);
        }
        Changed?.Invoke();
    }

    public async Task SwitchAsync(int organizationId)
    {
        if (_userId is null || !await access.SwitchAsync(_userId, organizationId))
        {
            return;
        }
        Current = Memberships.FirstOrDefault(m => m.Id == organizationId);
        Revoked = null;
        Changed?.Invoke();
    }

    private void OnMembershipChanged(MembershipChange change)
    {
        if (change.UserId != _userId)
        {
            return;
        }
        // Off the publisher's thread: it may be another circuit's (the admin who made the change).
        _ = Task.Run(RefreshInBackgroundAsync);
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync();
        }
        catch (Exception ex)
        {
            // The next action is still refused by Core; only the early notice is lost.
            logger.LogWarning(ex, "Reading the memberships of user {UserId} again after a change failed", _userId);
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
