using System.Collections.Concurrent;
using ContentWatch.Core.Domain;
using ContentWatch.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace ContentWatch.Core.Agents;

/// <summary>
/// The model one agent's call goes to, with the prices it is charged at (issue 10). <see cref="ConnectionId"/> is null
/// for the app's configured model (<c>AI:*</c>).
/// </summary>
public sealed record ResolvedModel(
    int? ConnectionId, string ModelName, bool IsSimulated, IChatCompletionService Chat,
    decimal InputPricePerMillion, decimal OutputPricePerMillion, int? MaxConcurrency)
{
    public decimal CostOf(int inputTokens, int outputTokens) =>
        (inputTokens * InputPricePerMillion + outputTokens * OutputPricePerMillion) / 1_000_000m;
}

/// <summary>
/// Resolves an agent's model: its own connection (<see cref="AgentProfile.ModelId"/>), else the organization's default
/// connection, else the configured model — so an organization without connections runs as before, on the Simulated
/// model out of the box. Connectors are kept per connection version: their HttpClient and its pooled connections live
/// as long as the connection is unchanged.
/// </summary>
public sealed class ModelResolver(
    IDbContextFactory<ContentWatchDbContext> dbFactory,
    ModelConnections connections,
    AgentInvoker invoker,
    IOptions<AIOptions> options,
    IHttpClientFactory httpClients,
    ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<int, (DateTime Version, IChatCompletionService Chat)> _connectors = new();

    public async Task<ResolvedModel> ResolveAsync(AgentProfile agent, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var connection = agent.ModelId is { } id
            ? await db.ModelConnections.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id && m.OrganizationId == agent.OrganizationId, cancellationToken)
            : null;
        connection ??= await db.ModelConnections.AsNoTracking()
            .Where(m => m.OrganizationId == agent.OrganizationId && m.IsDefault).OrderBy(m => m.Id).FirstOrDefaultAsync(cancellationToken);
        if (connection is null)
        {
            return invoker.Configured;
        }
        return new ResolvedModel(connection.Id, connection.Model, connection.Provider == ModelProvider.Simulated, ConnectorFor(connection),
            connection.InputPricePerMillion, connection.OutputPricePerMillion, connection.MaxConcurrency);
    }

    private IChatCompletionService ConnectorFor(ModelConnection connection)
    {
        if (_connectors.TryGetValue(connection.Id, out var cached) && cached.Version == connection.UpdatedAt)
        {
            return cached.Chat;
        }
        IChatCompletionService chat = connection.Provider == ModelProvider.Simulated
            ? new SimulatedChatModel(options)
            : AgentsExtensions.RealChatModel(
                connection.Provider == ModelProvider.AzureOpenAI ? AIProvider.AzureOpenAI : AIProvider.OpenAI,
                connection.Endpoint, connection.Model, connections.UnprotectApiKey(connection),
                httpClients.CreateClient(AgentsExtensions.HttpClientName), loggerFactory);
        _connectors[connection.Id] = (connection.UpdatedAt, chat);
        return chat;
    }
}
