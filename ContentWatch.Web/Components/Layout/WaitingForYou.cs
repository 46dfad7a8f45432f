using ContentWatch.Core.Editorial;
using ContentWatch.Core.Events;

namespace ContentWatch.Web.Components.Layout;

/// <summary>
/// How many runs wait for this circuit's user to approve, for the navigation's badge and the tab title. Read
/// when the organization is loaded or switched, and again shortly after any node announces a wait starting or
/// ending (<see cref="RunEventBus.WaitingChanged"/>): a burst of them (a thousand runs reaching their gate) is
/// one query per circuit, not one per event.
/// </summary>
public sealed class WaitingForYou : IDisposable
{
    internal static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly ApprovalInbox _inbox;
    private readonly RunEventBus _bus;
    private readonly CurrentOrganization _organization;
    private readonly ILogger<WaitingForYou> _logger;
    private int _scheduled;
    private bool _disposed;

    public WaitingForYou(ApprovalInbox inbox, RunEventBus bus, CurrentOrganization organization, ILogger<WaitingForYou> logger)
    {
        (_inbox, _bus, _organization, _logger) = (inbox, bus, organization, logger);
        _bus.WaitingChanged += OnWaitingChanged;
        _organization.Changed += Schedule;
    }

    public int Count { get; private set; }

    /// <summary>Raised after <see cref="Count"/> or the waiting runs changed; handlers re-render through their own dispatcher.</summary>
    public event Action? Changed;

    /// <summary>Counts again; <paramref name="announce"/> raises <see cref="Changed"/> even for the same count (the list may differ).</summary>
    public async Task RefreshAsync(bool announce = false, CancellationToken cancellationToken = default)
    {
        var count = _organization is { Current: { } current, UserId: { } userId }
            ? await _inbox.CountAsync(current.Id, userId, cancellationToken)
            : 0;
        if ((announce || count != Count) && !_disposed)
        {
            Count = count;
            Changed?.Invoke();
        }
    }

    private void OnWaitingChanged(RunEvent _) => Schedule();

    private void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(Settle);
            Volatile.Write(ref _scheduled, 0);
            if (_disposed)
            {
                return;
            }
            try
            {
                await RefreshAsync(announce: true);
            }
            catch (Exception ex)
            {
                // Only the badge is late: the list and every action read the database themselves.
                _logger.LogWarning(ex, "Counting the runs waiting for user {UserId} failed", _organization.UserId);
            }
        });
    }

    public void Dispose()
    {
        _disposed = true;
        _bus.WaitingChanged -= OnWaitingChanged;
        _organization.Changed -= Schedule;
    }
}
