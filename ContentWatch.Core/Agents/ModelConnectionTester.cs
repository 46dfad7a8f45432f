using System.Diagnostics;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Organizations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace ContentWatch.Core.Agents;

/// <summary>What "Test connection" found: whether one tiny call answered, how long it took, and why not.</summary>
public sealed record ConnectionTestResult(bool Ok, long LatencyMs, string? Error);

/// <summary>
/// "Test connection" (issue 10: <c>POST models/{id}/test</c>): one tiny chat call through the same Semantic Kernel
/// connector the agents use, with the connection's endpoint, model and key, and no retries. The error it reports
/// never contains the key.
/// </summary>
public sealed class ModelConnectionTester(
    ModelConnections connections, OrganizationAccess access, IHttpClientFactory httpClients, ILoggerFactory loggerFactory)
{
    private const int MaxErrorLength = 500;

    public async Task<Result<ConnectionTestResult>> TestAsync(
        int organizationId, int id, string actingUserId, CancellationToken cancellationToken = default)
    {
        if (await access.CheckAsync(organizationId, actingUserId, OrganizationRole.Admin, cancellationToken) is { Succeeded: false } refused)
        {
            return refused.As<ConnectionTestResult>();
        }
        if (await connections.GetAsync(organizationId, id, cancellationToken) is not { } connection)
        {
            return Result<ConnectionTestResult>.NotFound($"Model connection {id} was not found.");
        }
        if (connection.Provider == ModelProvider.Simulated)
        {
            return Result<ConnectionTestResult>.Ok(new(true, 0, null));
        }

        var apiKey = connections.UnprotectApiKey(connection);
        var watch = Stopwatch.StartNew();
        try
        {
            var model = AgentsExtensions.RealChatModel(
                connection.Provider == ModelProvider.AzureOpenAI ? AIProvider.AzureOpenAI : AIProvider.OpenAI,
                connection.Endpoint, connection.Model, apiKey,
                httpClients.CreateClient(AgentsExtensions.ConnectionTestHttpClientName), loggerFactory);
            var history = new ChatHistory();
            history.AddUserMessage("Reply with the single word OK.");
            await model.GetChatMessageContentsAsync(history, new OpenAIPromptExecutionSettings { MaxTokens = 5 }, kernel: null, cancellationToken);
            return Result<ConnectionTestResult>.Ok(new(true, watch.ElapsedMilliseconds, null));
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or KernelException or TaskCanceledException
            or InvalidOperationException or UriFormatException or ArgumentException && !cancellationToken.IsCancellationRequested)
        {
            return Result<ConnectionTestResult>.Ok(new(false, watch.ElapsedMilliseconds, Describe(e, apiKey)));
        }
    }

    /// <summary>The failure in a sentence, with the key (should a server or library echo it) cut out.</summary>
    private static string Describe(Exception e, string? apiKey)
    {
        var message = e switch
        {
            HttpOperationException { StatusCode: { } status } => $"The endpoint answered {(int)status} {status}: {e.Message}",
            TaskCanceledException => "The endpoint did not answer within 30 seconds.",
            _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            message = message.Replace(apiKey, "[redacted]", StringComparison.Ordinal);
        }
        return message.Length > MaxErrorLength ? message[..MaxErrorLength] + "…" : message;
    }
}
