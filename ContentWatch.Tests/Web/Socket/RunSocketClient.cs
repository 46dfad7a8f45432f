using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ContentWatch.Tests.Web.Socket;

/// <summary>A frame as a client of the original's socket reads it.</summary>
public sealed record SocketFrame(string Event, JsonElement Data, int Bytes)
{
    public int StepId => Data.GetProperty("step_id").GetInt32();

    public string Field(string name) => Data.GetProperty(name).GetString()!;

    public override string ToString() => $"{Event} {Data}";
}

/// <summary>A real <see cref="ClientWebSocket"/> on the run socket, reading whole frames and counting their bytes.</summary>
public sealed class RunSocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    private RunSocketClient(ClientWebSocket socket) => _socket = socket;

    public long BytesReceived { get; private set; }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public WebSocketState State => _socket.State;

    public static async Task<RunSocketClient> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        return new RunSocketClient(socket);
    }

    /// <summary>The HTTP status of a handshake the server refused (the socket was never opened).</summary>
    public static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, TestContext.Current.CancellationToken));
        return socket.HttpStatusCode;
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    public Task SendGuidanceAsync(string guidance) =>
        SendTextAsync(JsonSerializer.Serialize(new { action = "send_guidance", data = new { guidance } }));

    /// <summary>The next frame, or null when the server closed the socket (see <see cref="CloseStatus"/>).</summary>
    public async Task<SocketFrame?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer.AsMemory(), cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        BytesReceived += message.Length;
        using var document = JsonDocument.Parse(message.ToArray());
        return new SocketFrame(document.RootElement.GetProperty("event").GetString()!, document.RootElement.GetProperty("data").Clone(), (int)message.Length);
    }

    /// <summary>Frames up to and including the first that satisfies <paramref name="last"/>.</summary>
    public async Task<List<SocketFrame>> ReceiveUntilAsync(Func<SocketFrame, bool> last, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var frames = new List<SocketFrame>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = left > TimeSpan.Zero ? await ReceiveAsync(left) : null;
            if (frame is null)
            {
                Assert.Fail($"The socket ended ({CloseStatus}) or timed out before the awaited frame; got: {string.Join(" | ", frames.Select(f => f.Event))}");
            }
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    public static bool IsRunEnd(SocketFrame frame) => frame.Event is "run_completed" or "run_failed" or "run_cancelled";

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancel.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
