using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContentWatch.Tests.Core.Agents;

/// <summary>
/// A chat completions endpoint on loopback whose handler writes the event stream itself, for what a canned WireMock
/// body cannot do: pauses between chunks of one response, and a connection dropped mid-answer.
/// </summary>
internal sealed class StreamingStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StreamingStub(WebApplication app, string url) => (_app, Url) = (app, url);

    public string Url { get; }

    public static async Task<StreamingStub> StartAsync(Func<HttpContext, CancellationToken, Task> writeAnswer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await writeAnswer(context, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StreamingStub(app, address);
    }

    public static async Task WriteAsync(HttpContext context, string events, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync(events, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
