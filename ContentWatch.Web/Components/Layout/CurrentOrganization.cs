using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;

namespace ContentWatch.Web.Components.Layout;

/// <summary>
/// The organization the signed-in user works in, for one circuit. The layout loads it; pages read it
/// through a cascading value; switching is remembered for the user's next visit.
/// </summary>
public sealed class CurrentOrganization(OrganizationAccess access)
{
    private string? _userId;

    public IReadOnlyList<OrganizationMembership> Memberships { get; private set; } = [];
    public OrganizationMembership? Current { get; private set; }
    public bool IsAdmin => Current?.Role == OrganizationRole.Admin;

    public event Action? Changed;

    public async Task LoadAsync(string userId, CancellationToken cancellationToken = default)
    {
        _userId = userId;
        Memberships = await access.ListAsync(userId, cancellationToken);
        Current = await access.GetCurrentAsync(userId, cancellationToken);
    }

    public async Task SwitchAsync(int organizationId)
    {
        if (_userId is null || !await access.SwitchAsync(_userId, organizationId))
        {
            return;
        }
        Current = Memberships.FirstOrDefault(m => m.Id == organizationId);
        Changed?.Invoke();
    }
}
