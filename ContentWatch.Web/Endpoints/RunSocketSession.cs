using System.Net.WebSockets;
using System.Threading.Channels;
using ContentWatch.Core;
using ContentWatch.Core.Events;
using ContentWatch.Core.Organizations;
using ContentWatch.Core.Pipelines;

namespace ContentWatch.Web.Endpoints;

/// <summary>Who a run socket serves: the run, its organization, the member, and whether chunks carry deltas.</summary>
public sealed record RunSocketPeer(int RunId, int OrganizationId, string UserId, bool Delta);

/// <summary>
/// One open run socket. Three loops share it: the run's events (current attempt so far, then every later attempt)
/// and the client's frames feed one inbox; a single sender drains it, so frames leave one at a time (a WebSocket
/// allows one send at a time) and coalesced frames wait in <see cref="RunSocketCoalescer"/> until about
/// <see cref="CoalesceInterval"/> after the last flush. A membership change of the peer re-checks their role,
/// and so does a timer for changes no push brings (another node's without Redis); without a membership the
/// socket closes with 4403.
/// </summary>
public sealed class RunSocketSession(
    WebSocket socket,
    RunSocketPeer peer,
    RunWatcher watcher,
    RunControl control,
    OrganizationAccess access,
    MembershipChanges changes,
    TimeProvider clock,
    ILogger<RunSocketSession> logger)
{
    /// <summary>Client frames are guidance (at most 4,000 characters); anything larger closes the socket with 1009.</summary>
    public const int MaxClientFrameBytes = 64 * 1024;

    /// <summary>Coalesced frames leave at most this often (about ten a second).</summary>
    public static readonly TimeSpan CoalesceInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the membership is re-read in case a change was not pushed (another node's, without Redis).</summary>
    public static readonly TimeSpan MembershipRecheck = TimeSpan.FromSeconds(30);

    /// <summary>The application close code for "you are no longer a member" (403 in the 4000–4999 private range).</summary>
    public const WebSocketCloseStatus NotAMember = (WebSocketCloseStatus)4403;

    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RunSocketCoalescer _coalescer = new(peer.Delta);

    public async Task RunAsync(CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using var membership = changes.Subscribe(change =>
        {
            if (change.UserId == peer.UserId && change.OrganizationId == peer.OrganizationId)
            {
                _ = RecheckMembershipAsync(stop.Token);
            }
        });
        Task[] helpers = [PumpEventsAsync(stop.Token), ReceiveAsync(stop.Token), RecheckPeriodicallyAsync(stop.Token)];
        try
        {
            await SendAsync(stop.Token);
            if (socket.State == WebSocketState.CloseSent)
            {
                // Our close frame is out: give the client a moment to answer it, so that it ends cleanly.
                await Task.WhenAny(helpers[1], Task.Delay(TimeSpan.FromSeconds(2), clock, stop.Token));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client went away (or the host is stopping).
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(helpers);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // Stopped with the socket.
            }
        }
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        var frames = new List<RunSocketFrame>();
        var lastFlush = clock.GetTimestamp() - (long)(CoalesceInterval.TotalSeconds * clock.TimestampFrequency);
        Task<bool>? waiting = null;
        // Timed flushes wait until the feed has caught up: a replay (hundreds of events at once) then leaves as the
        // latest frame of each kind per step, however slowly this loop happens to run.
        var caughtUp = false;
        while (true)
        {
            while (_inbox.Reader.TryRead(out var item))
            {
                switch (item)
                {
                    case RunEvent runEvent:
                        _coalescer.Accept(runEvent, frames);
                        caughtUp = false;
                        break;
                    case CaughtUp:
                        caughtUp = true;
                        break;
                    case RunSocketFrame frame:
                        frames.Add(frame);
                        break;
                    case SocketClose close:
                        _coalescer.Flush(frames);
                        await SendFramesAsync(frames, cancellationToken);
                        await CloseAsync(close, cancellationToken);
                        return;
                }
                await SendFramesAsync(frames, cancellationToken);
            }

            if (_coalescer.HasPending && caughtUp)
            {
                var wait = CoalesceInterval - clock.GetElapsedTime(lastFlush);
                if (wait <= TimeSpan.Zero)
                {
                    _coalescer.Flush(frames);
                    await SendFramesAsync(frames, cancellationToken);
                    lastFlush = clock.GetTimestamp();
                    continue;
                }
                waiting ??= _inbox.Reader.WaitToReadAsync(cancellationToken).AsTask();
                await Task.WhenAny(waiting, Task.Delay(wait, clock, cancellationToken));
            }
            else
            {
                waiting ??= _inbox.Reader.WaitToReadAsync(cancellationToken).AsTask();
                await waiting;
            }
            if (waiting.IsCompleted)
            {
                if (!await waiting)
                {
                    return;
                }
                waiting = null;
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task SendFramesAsync(List<RunSocketFrame> frames, CancellationToken cancellationToken)
    {
        foreach (var frame in frames)
        {
            await socket.SendAsync(RunSocketFrames.Serialize(frame), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        frames.Clear();
    }

    private async Task CloseAsync(SocketClose close, CancellationToken cancellationToken)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(close.Status, close.Reason, cancellationToken);
        }
    }

    private async Task PumpEventsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var events = watcher.FollowAsync(peer.RunId, 0, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                var next = events.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    // What the watcher had at hand is in the inbox; it now waits for the next live event.
                    _inbox.Writer.TryWrite(CaughtUp.Instance);
                }
                if (!await next)
                {
                    return;
                }
                _inbox.Writer.TryWrite(events.Current);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {RunId}: the socket's event feed failed", peer.RunId);
            _inbox.Writer.TryWrite(new SocketClose(WebSocketCloseStatus.InternalServerError, "The run's events could not be read; reconnect."));
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        // One byte more than allowed: a frame that fills it is too large.
        var buffer = new byte[MaxClientFrameBytes + 1];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var count = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    if (count == buffer.Length)
                    {
                        _inbox.Writer.TryWrite(new SocketClose(WebSocketCloseStatus.MessageTooBig, $"Frames are limited to {MaxClientFrameBytes / 1024} KB."));
                        return;
                    }
                    received = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                    count += received.Count;
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    _inbox.Writer.TryWrite(new SocketClose(WebSocketCloseStatus.NormalClosure, ""));
                    return;
                }
                if (count > MaxClientFrameBytes)
                {
                    _inbox.Writer.TryWrite(new SocketClose(WebSocketCloseStatus.MessageTooBig, $"Frames are limited to {MaxClientFrameBytes / 1024} KB."));
                    return;
                }
                if (received.MessageType == WebSocketMessageType.Binary)
                {
                    _inbox.Writer.TryWrite(RunSocketFrames.Error("Send JSON in text frames."));
                    continue;
                }
                var (guidance, error) = RunSocketFrames.ParseClientFrame(buffer.AsSpan(0, count));
                if (error is not null)
                {
                    _inbox.Writer.TryWrite(RunSocketFrames.Error(error, StatusCodes.Status400BadRequest));
                    continue;
                }
                await SendGuidanceAsync(guidance, cancellationToken);
            }
        }
        catch (WebSocketException)
        {
            // The client vanished without a close frame.
            _inbox.Writer.TryWrite(new SocketClose(WebSocketCloseStatus.NormalClosure, ""));
        }
    }

    /// <summary>The same Core operation as POST …/guidance; its refusals come back as error frames.</summary>
    private async Task SendGuidanceAsync(string? guidance, CancellationToken cancellationToken)
    {
        var result = await control.AddGuidanceAsync(peer.OrganizationId, peer.RunId, peer.UserId, guidance, cancellationToken);
        if (result.Succeeded)
        {
            return; // every watcher, this one included, sees guidance_received
        }
        if (result.Status == ResultStatus.NotFound && await RecheckMembershipAsync(cancellationToken))
        {
            return;
        }
        var detail = result.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Detail ?? "Guidance was not accepted.";
        _inbox.Writer.TryWrite(RunSocketFrames.Error(detail, result.Status switch
        {
            ResultStatus.Invalid => StatusCodes.Status400BadRequest,
            ResultStatus.NotFound => StatusCodes.Status404NotFound,
            ResultStatus.Forbidden => StatusCodes.Status403Forbidden,
            ResultStatus.Conflict => StatusCodes.Status409Conflict,
            ResultStatus.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status500InternalServerError,
        }));
    }

    /// <summary>Closes the socket (4403) when the peer is no longer a member; true when it did.</summary>
    private async Task<bool> RecheckMembershipAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await access.GetRoleAsync(peer.UserId, peer.OrganizationId, cancellationToken) is not null)
            {
                return false;
            }
            _inbox.Writer.TryWrite(new SocketClose(NotAMember, "You are no longer a member of this run's organization."));
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {RunId}: could not re-check the socket's membership", peer.RunId);
            return false;
        }
    }

    private async Task RecheckPeriodicallyAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(MembershipRecheck, clock, cancellationToken);
                if (await RecheckMembershipAsync(cancellationToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed record SocketClose(WebSocketCloseStatus Status, string Reason);

    private sealed class CaughtUp
    {
        public static readonly CaughtUp Instance = new();
    }
}
